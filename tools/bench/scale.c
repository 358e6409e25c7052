// SPDX-License-Identifier: GPL-2.0
/*
 * Scale: msocket by path with 1, 100 and 10,000 stack files actually
 * present in a stackfs of the part's own, and with the stack 8 directories
 * deep. Each round visits the three sizes in a new random order, making or
 * removing stack files to reach each size, and times by path against
 * socket(2) there; a size's figure is its per-round ratio to the 1-stack
 * figure of the same round.
 */
#include "bench.h"

static const int sizes[] = { 1, 100, 10000 };
#define NSIZES ARRAY_SIZE(sizes)

static char scale_dir[64], target[128], deep[256];
static int present;		/* stack files in the stackfs */
static bool deep_present;

static void flat_name(char *buf, size_t len, int i)
{
	snprintf(buf, len, "%s/s%05d", scale_dir, i);
}

/*
 * Brings the stack files to @want: the target, then s00001..., and for
 * 10,000 the deep one in place of the last flat one.
 */
static void set_present(int want)
{
	bool want_deep = want == sizes[NSIZES - 1];
	int flat = want - want_deep, i;
	char name[128];

	for (i = present - deep_present; i < flat; i++) {
		flat_name(name, sizeof(name), i);
		if (i && mkstack(name, bench.nsfd, 0600))
			die("mkstack");
	}
	for (i = present - deep_present - 1; i >= flat; i--) {
		flat_name(name, sizeof(name), i);
		if (i && unlink(name))
			die("unlink");
	}
	if (want_deep && !deep_present && mkstack(deep, bench.nsfd, 0600))
		die("mkstack deep");
	if (!want_deep && deep_present && unlink(deep))
		die("unlink deep");
	deep_present = want_deep;
	present = want;
}

static long slab_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int v_socket(void *ctx)
{
	return raw_socket(AF_INET, SOCK_STREAM, 0);
}

static int v_path(void *ctx)
{
	return sys_msocket(ctx, AF_INET, SOCK_STREAM, 0);
}

void bench_scale(void)
{
	/* Per size: socket(2), by path to the target, (10,000 only) deep. */
	struct variant v[NSIZES][3];
	double norm[NSIZES][MAX_ROUNDS], norm_deep[MAX_ROUNDS], bytes = -1;
	int order[NSIZES], grown_from = 0, nv, s, r, i;
	long slab;

	if (mount_stackfs(scale_dir, sizeof(scale_dir)))
		die("mount stackfs");
	snprintf(target, sizeof(target), "%s/s00000", scale_dir);
	snprintf(deep, sizeof(deep), "%s", scale_dir);
	for (i = 1; i <= 8; i++) {
		snprintf(deep + strlen(deep), sizeof(deep) - strlen(deep), "/d%d", i);
		if (mkdir(deep, 0755))
			die("mkdir");
	}
	strcat(deep, "/deep");
	if (mkstack(target, bench.nsfd, 0600))
		die("mkstack");
	present = 1;
	for (s = 0; s < NSIZES; s++) {
		order[s] = s;
		v[s][0] = (struct variant){ .name = "socket(2)", .create = v_socket };
		v[s][1] = (struct variant){ .name = "by path", .create = v_path, .ctx = target };
		v[s][2] = (struct variant){ .name = "deep", .create = v_path, .ctx = deep };
	}

	for (r = 0; r < bench.rounds; r++) {
		shuffle(order, NSIZES);
		for (i = 0; i < NSIZES; i++) {
			s = order[i];
			nv = s == NSIZES - 1 ? 3 : 2;
			slab = slab_kb();
			if (bytes < 0 && sizes[s] == 10000) {
				/* The first growth only: later ones reuse freed slab. */
				int added = sizes[s] - present;

				grown_from = present;
				set_present(sizes[s]);
				bytes = (slab_kb() - slab) * 1024.0 / added;
			} else {
				set_present(sizes[s]);
			}
			warm_up(v[s], nv);
			run_round(v[s], nv, r);
			norm[s][r] = v[s][1].ns[r] / v[s][0].ns[r];
			if (nv == 3)
				norm_deep[r] = v[s][2].ns[r] / v[s][0].ns[r];
		}
	}
	set_present(1);
	unlink(target);
	umount_stackfs(scale_dir);

	printf("\n## Scale (msocket by path with 1, 100 and 10,000 stack files present)\n\n");
	printf("%d rounds of %d calls, the sizes in a new random order each round; a size's ",
	       bench.rounds, bench.iterations);
	printf("ratio is (by path / socket(2)) there over the same at 1 stack, per round.\n\n");
	printf("| stack files present | us per create+close | ratio to socket(2) | ");
	printf("ratio to 1 stack | min to max |\n|---|---|---|---|---|\n");
	for (s = 0; s < NSIZES; s++) {
		struct ratio q = paired(norm[s], norm[0], bench.rounds);

		printf("| %d | %.2f | %.3f | %.3f | %.3f to %.3f |\n", sizes[s],
		       median(v[s][1].ns, bench.rounds) / 1000, median(norm[s], bench.rounds),
		       q.median, q.min, q.max);
		if (s == NSIZES - 1)
			goal("by path, 10,000 stacks / 1 stack", q.median, true, 1.02);
	}
	{
		struct ratio q = paired(norm_deep, norm[0], bench.rounds);

		printf("| 10000, the stack 8 directories deep | %.2f | %.3f | %.3f | ",
		       median(v[NSIZES - 1][2].ns, bench.rounds) / 1000,
		       median(norm_deep, bench.rounds), q.median);
		printf("%.3f to %.3f |\n", q.min, q.max);
	}
	printf("\nmemory per stack file (slab growth from %d to 10,000 files, ", grown_from);
	printf("all bound to one namespace): %.0f bytes\n", bytes);
}
