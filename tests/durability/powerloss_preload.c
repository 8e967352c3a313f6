/*
 * powerloss_preload.c - libindgang-powerloss.so: puts the power-loss VFS
 * under an unmodified program.
 *
 *   LD_PRELOAD=build/.../libindgang-powerloss.so build/indgang --db ...
 *
 * The constructor registers powerloss_vfs.c as SQLite's default VFS before
 * main() runs, so the gateway's store_open() uses it without any change to
 * the gateway.  POWERLOSS_LIE=1 makes it ignore fsync (the control);
 * POWERLOSS_FAIL_SYNC=PERCENT fails that share of fsyncs, dropping the
 * unsynced writes (see powerloss_vfs_fail_syncs).
 * Under AddressSanitizer set ASAN_OPTIONS=verify_asan_link_order=0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "powerloss_vfs.h"

__attribute__((constructor)) static void powerloss_preload(void)
{
	const char *lie = getenv("POWERLOSS_LIE");
	const char *fail = getenv("POWERLOSS_FAIL_SYNC");
	if (fail != NULL && atof(fail) > 0)
		powerloss_vfs_fail_syncs(atof(fail), (unsigned)getpid());
	if (powerloss_vfs_register(lie != NULL && lie[0] == '1') != 0)
		fprintf(stderr, "libindgang-powerloss: cannot register the VFS\n");
	else if (getenv("POWERLOSS_QUIET") == NULL)
		fprintf(stderr, "libindgang-powerloss: unsynced writes die with this process\n");
}
