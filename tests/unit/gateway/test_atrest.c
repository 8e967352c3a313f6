/*
 * test_atrest.c - the sysfs walk of gateway/atrest.c on a fake sysfs built
 * in a temporary folder, laid out as the kernel lays it out: dev/block/MAJ:MIN
 * and slaves/NAME are symlinks to the devices' folders, a partition's folder
 * lies in its disk's.  dm-crypt, LVM on dm-crypt, a plain partition, LVM on
 * a plain partition and on a mix, a loop device, dm-crypt on a loop device,
 * a cycle, and the unknowns (major 0, no such device, no sysfs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "gateway/atrest.h"

static char root[256];

/* Makes the folders above path, as mkdir -p on its dirname. */
static void parents(const char *path)
{
	char p[512];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(p, 0700);
		*s = '/';
	}
}

static void put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	parents(path);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f != NULL) {
		fprintf(f, "%s\n", text);
		fclose(f);
	}
}

static void link_to(const char *rel, const char *target)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	parents(path);
	CHECK(symlink(target, path) == 0);
}

/* A block device's folder under devices/, with its dev file and its link. */
static void device(const char *folder, unsigned maj, unsigned min)
{
	char rel[256], dev[32], target[256];
	snprintf(rel, sizeof rel, "devices/%s/dev", folder);
	snprintf(dev, sizeof dev, "%u:%u", maj, min);
	put(rel, dev);
	snprintf(rel, sizeof rel, "dev/block/%u:%u", maj, min);
	snprintf(target, sizeof target, "../../devices/%s", folder);
	link_to(rel, target);
}

static void build(void)
{
	/* sda with partitions sda2 (plain) and sda3 (under dm-crypt) */
	device("pci0/block/sda", 8, 0);
	device("pci0/block/sda/sda2", 8, 2);
	put("devices/pci0/block/sda/sda2/partition", "2");
	device("pci0/block/sda/sda3", 8, 3);
	put("devices/pci0/block/sda/sda3/partition", "3");
	/* dm-0: LUKS on sda3 */
	device("virtual/block/dm-0", 253, 0);
	put("devices/virtual/block/dm-0/dm/uuid", "CRYPT-LUKS2-0123456789abcdef-sda3_crypt");
	link_to("devices/virtual/block/dm-0/slaves/sda3", "../../../../pci0/block/sda/sda3");
	/* dm-1: an LVM volume on dm-0 */
	device("virtual/block/dm-1", 253, 1);
	put("devices/virtual/block/dm-1/dm/uuid", "LVM-abcdefABCDEF");
	link_to("devices/virtual/block/dm-1/slaves/dm-0", "../../dm-0");
	/* dm-2: LVM on the plain sda2 */
	device("virtual/block/dm-2", 253, 2);
	put("devices/virtual/block/dm-2/dm/uuid", "LVM-plainplain");
	link_to("devices/virtual/block/dm-2/slaves/sda2", "../../../../pci0/block/sda/sda2");
	/* dm-3: LVM over both dm-0 and sda2 */
	device("virtual/block/dm-3", 253, 3);
	put("devices/virtual/block/dm-3/dm/uuid", "LVM-mixed");
	link_to("devices/virtual/block/dm-3/slaves/dm-0", "../../dm-0");
	link_to("devices/virtual/block/dm-3/slaves/sda2", "../../../../pci0/block/sda/sda2");
	/* loop0, and dm-4: LUKS on loop0 */
	device("virtual/block/loop0", 7, 0);
	put("devices/virtual/block/loop0/loop/backing_file", "/srv/disk.img");
	device("virtual/block/dm-4", 253, 4);
	put("devices/virtual/block/dm-4/dm/uuid", "CRYPT-LUKS2-feed-loop_crypt");
	link_to("devices/virtual/block/dm-4/slaves/loop0", "../../loop0");
	/* dm-5: a cycle (never in a real sysfs) */
	device("virtual/block/dm-5", 253, 5);
	put("devices/virtual/block/dm-5/dm/uuid", "LVM-cycle");
	link_to("devices/virtual/block/dm-5/slaves/dm-5", "../../dm-5");
	/* dm-7: LUKS on a whole disk (sdb), and a partition of dm-7 */
	device("pci0/block/sdb", 8, 16);
	device("virtual/block/dm-7", 253, 7);
	put("devices/virtual/block/dm-7/dm/uuid", "CRYPT-PLAIN-sdb_crypt");
	link_to("devices/virtual/block/dm-7/slaves/sdb", "../../../../pci0/block/sdb");
	device("virtual/block/dm-7/dm-7p1", 259, 0);
	put("devices/virtual/block/dm-7/dm-7p1/partition", "1");
	/* dm-6: a device-mapper device with nothing beneath */
	device("virtual/block/dm-6", 253, 6);
	put("devices/virtual/block/dm-6/dm/uuid", "");
}

static enum atrest_state state_of(unsigned maj, unsigned min, struct atrest_result *r)
{
	memset(r, 0x55, sizeof *r);
	atrest_device(root, maj, min, r);
	return r->state;
}

static void test_encrypted(void)
{
	struct atrest_result r;
	CHECK_EQ(state_of(253, 0, &r), ATREST_ENCRYPTED);
	CHECK_STR(r.how, "dm-crypt");
	CHECK_STR(r.device, "253:0");
	CHECK_EQ(state_of(253, 1, &r), ATREST_ENCRYPTED); /* LVM on LUKS */
	CHECK(strstr(r.how, "dm-crypt") != NULL);
	CHECK_EQ(state_of(253, 4, &r), ATREST_ENCRYPTED); /* LUKS on a loop device */
	CHECK_EQ(state_of(259, 0, &r), ATREST_ENCRYPTED); /* a partition: its disk's */
	CHECK_STR(r.how, "dm-crypt");
}

static void test_not_encrypted(void)
{
	struct atrest_result r;
	CHECK_EQ(state_of(8, 2, &r), ATREST_NOT_ENCRYPTED); /* a plain partition */
	CHECK(strstr(r.how, "plain") != NULL);
	CHECK_EQ(state_of(8, 3, &r), ATREST_NOT_ENCRYPTED);   /* LUKS's partition itself */
	CHECK_EQ(state_of(8, 0, &r), ATREST_NOT_ENCRYPTED);   /* the disk */
	CHECK_EQ(state_of(253, 2, &r), ATREST_NOT_ENCRYPTED); /* LVM on a plain partition */
	CHECK(strstr(r.how, "device-mapper over") != NULL);
	CHECK_EQ(state_of(253, 3, &r), ATREST_NOT_ENCRYPTED); /* LVM on LUKS and plain */
	CHECK_EQ(state_of(7, 0, &r), ATREST_NOT_ENCRYPTED);   /* a loop device does not count */
	CHECK(strstr(r.how, "loop") != NULL);
	CHECK_EQ(state_of(253, 6, &r), ATREST_NOT_ENCRYPTED);
}

static void test_unknown(void)
{
	struct atrest_result r;
	CHECK_EQ(state_of(0, 45, &r), ATREST_UNKNOWN); /* tmpfs, overlay */
	CHECK(strstr(r.how, "tmpfs") != NULL);
	CHECK_EQ(state_of(9, 9, &r), ATREST_UNKNOWN);   /* no such device */
	CHECK_EQ(state_of(253, 5, &r), ATREST_UNKNOWN); /* a cycle ends */
	CHECK(strstr(r.how, "nested too deep") != NULL);
	memset(&r, 0, sizeof r);
	atrest_device("/nonexistent-sysfs", 8, 2, &r);
	CHECK_EQ(r.state, ATREST_UNKNOWN);
	CHECK(strstr(r.how, "/sys") != NULL);
	atrest_path(root, "/nonexistent/folder", &r);
	CHECK_EQ(r.state, ATREST_UNKNOWN);
}

static void test_path_and_names(void)
{
	struct atrest_result r;
	atrest_path(ATREST_SYSFS, root, &r); /* this machine: whatever it is, it is one */
	CHECK(r.state == ATREST_ENCRYPTED || r.state == ATREST_NOT_ENCRYPTED ||
	      r.state == ATREST_UNKNOWN);
	CHECK(strchr(r.device, ':') != NULL);
	CHECK(r.how[0] != '\0');
	CHECK_STR(atrest_state_name(ATREST_ENCRYPTED), "encrypted");
	CHECK_STR(atrest_state_name(ATREST_NOT_ENCRYPTED), "not_encrypted");
	CHECK_STR(atrest_state_name(ATREST_UNKNOWN), "unknown");
}

int main(void)
{
	char cmd[300];
	snprintf(root, sizeof root, "/tmp/indgang-atrest-XXXXXX");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	build();
	test_encrypted();
	test_not_encrypted();
	test_unknown();
	test_path_and_names();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root); /* a name we made: no quotes in it */
	CHECK(system(cmd) == 0);
	return check_report("gateway/atrest");
}
