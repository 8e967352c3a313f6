// make-icons.mjs - renders the family app's PNG icons from its SVG sources
// with headless chromium (no image tools needed).  Run after changing
// clients/web/family/icons/icon.svg, maskable.svg or badge.svg:
//   node tools/make-icons.mjs
import fs from 'node:fs';
import path from 'node:path';
import { launch, WEB } from '../lib/harness.mjs';

const dir = path.join(WEB, 'family', 'icons');
const jobs = [
  ['icon.svg', 'icon-192.png', 192],
  ['icon.svg', 'icon-512.png', 512],
  ['maskable.svg', 'maskable-512.png', 512],
  ['badge.svg', 'badge-96.png', 96], // the notification badge: white on transparent, the system colours it
];
const browser = await launch();
for (const [src, out, size] of jobs) {
  const svg = fs.readFileSync(path.join(dir, src)).toString('base64');
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  await page.setContent(
    `<html><body style="margin:0;background:transparent"><img width="${size}" height="${size}" src="data:image/svg+xml;base64,${svg}"></body></html>`,
  );
  await page.screenshot({ path: path.join(dir, out), omitBackground: true });
  await page.close();
  console.log(`${out} (${size}x${size})`);
}
await browser.close();
