// qr.js - a QR code as an SVG element (built with DOM calls, no markup strings),
// from the vendored uqr encoder.
import { encode } from '../vendor/uqr/uqr.mjs';

const SVG = 'http://www.w3.org/2000/svg';

export function qrSvg(text, { label = '', ecc = 'M' } = {}) {
  const qr = encode(text, { ecc, border: 4 });
  const n = qr.size;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${n} ${n}`);
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.setAttribute('role', 'img');
  if (label) svg.setAttribute('aria-label', label);
  const bg = document.createElementNS(SVG, 'rect');
  bg.setAttribute('width', String(n));
  bg.setAttribute('height', String(n));
  bg.setAttribute('fill', '#ffffff');
  svg.append(bg);
  let d = '';
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) if (qr.data[y][x]) d += `M${x} ${y}h1v1h-1z`;
  }
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000000');
  svg.append(path);
  return svg;
}
