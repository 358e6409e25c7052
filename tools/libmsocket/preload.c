// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What LD_PRELOAD cannot move, caught where a preloaded program starts
 * another: execve() and the exec*() family, fexecve(), execveat(),
 * posix_spawn() and posix_spawnp(). Only in libmsocket.so (the library
 * that is preloaded), not in libmsocket.a.
 *
 * A program started with libmsocket in LD_PRELOAD and a default stack in
 * MSOCKET_DEFAULTS (of the environment it is given) follows the stack
 * only if the dynamic linker loads libmsocket into it. It does not when
 * the program is statically linked (no PT_INTERP: no dynamic linker), of
 * another ELF class or machine (the library cannot be loaded into it), a
 * Go program (Go makes its sockets by raw system calls, not through
 * libc's socket()), or a secure execution (set-user-ID or set-group-ID
 * to another user or group, file capabilities: AT_SECURE, where the
 * dynamic linker ignores LD_PRELOAD paths); a "#!" script is judged by
 * its interpreter. Such a program would silently use the native stack.
 * So the exec is checked first:
 *  - if every family has the same default stack, the process enters that
 *    stack's network namespace as mstack exec --setns does (setns(2), or
 *    through the namespace's user namespace for a stack of one's own
 *    made with mstack add --new; a mount namespace of its own with /sys
 *    mounted anew and /etc/netns/NAME bound over /etc), and the program
 *    runs there without MSOCKET_DEFAULTS;
 *  - else (defaults per family: setns would move every family), or when
 *    the caller may not enter the namespace, the exec fails with EPERM,
 *    and one line on standard error names the program and the stack and
 *    suggests mstack exec --setns.
 * posix_spawn() runs the program from glibc's own child code, where
 * nothing of a preloaded library runs: it can only refuse (EPERM).
 *
 * EPERM, not ENOEXEC (a shell runs a file that gives ENOEXEC as a shell
 * script) nor EACCES (execvp(3) and shells go on searching PATH after
 * EACCES, and could run another program of the same name): the program
 * is there and valid; running it here is what is refused.
 *
 * The checks run in vfork() children (dash vforks for its commands), so
 * they make system calls only: buffers on the stack, no malloc, no lock,
 * no stdio. For a program not started with both variables the cost is a
 * scan of its environment; with them, one open, one read of the first
 * 2 kB, one fstat and one fgetxattr of the program. A set-user-ID program
 * linked with libmsocket (AT_SECURE) does none of this: the environment
 * is its caller's and must not steer it, as MSOCKET_DEFAULTS does not.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"
#include "msocket.h"

/* <linux/nsfs.h> */
#ifndef NS_GET_USERNS
#define NS_GET_USERNS		_IO(0xb7, 0x1)
#endif
#ifndef NS_GET_OWNER_UID
#define NS_GET_OWNER_UID	_IO(0xb7, 0x4)
#endif

#define LD_PRELOAD_PREFIX	"LD_PRELOAD="
#define DEFAULTS_PREFIX		MSOCKET_DEFAULTS_ENV "="
#define HEAD_SIZE		2048
/* A "#!" line is at most this long (the kernel's BINPRM_BUF_SIZE). */
#define SHEBANG_SIZE		256

#if defined(__x86_64__)
#define NATIVE_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define NATIVE_MACHINE EM_AARCH64
#elif defined(__i386__)
#define NATIVE_MACHINE EM_386
#elif defined(__arm__)
#define NATIVE_MACHINE EM_ARM
#elif defined(__riscv)
#define NATIVE_MACHINE EM_RISCV
#else
#define NATIVE_MACHINE EM_NONE	/* not checked */
#endif
#if __SIZEOF_POINTER__ == 8
#define NATIVE_CLASS ELFCLASS64
#else
#define NATIVE_CLASS ELFCLASS32
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_DATA ELFDATA2LSB
#else
#define NATIVE_DATA ELFDATA2MSB
#endif

/*
 * Where the fields read are in an ELF header and a program header of this
 * library's class (the only one parsed), as <elf.h> lays them out; read
 * by offset, in the native byte order: offsets and sizes are as wide as
 * an address (addr_at), the others 16 or 32 bits.
 */
#if __SIZEOF_POINTER__ == 8
#define EH_SIZE		64
#define EH_PHOFF	0x20
#define EH_PHENTSIZE	0x36
#define EH_PHNUM	0x38
#define PH_SIZE		56
#define PH_OFFSET	0x08
#define PH_FILESZ	0x20
#else
#define EH_SIZE		52
#define EH_PHOFF	0x1c
#define EH_PHENTSIZE	0x2a
#define EH_PHNUM	0x2c
#define PH_SIZE		32
#define PH_OFFSET	0x04
#define PH_FILESZ	0x10
#endif
#define EH_MACHINE	0x12
#define PH_TYPE		0x00
#define NOTE_SIZE	12	/* namesz, descsz, type */

typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			const posix_spawnattr_t *, char *const[], char *const[]);
static spawn_fn real_posix_spawn, real_posix_spawnp;

/* Resolved while the library loads: dlsym is no call for a vfork child. */
__attribute__((constructor)) static void preload_init(void)
{
	real_posix_spawn = (spawn_fn)dlsym(RTLD_NEXT, "posix_spawn");
	real_posix_spawnp = (spawn_fn)dlsym(RTLD_NEXT, "posix_spawnp");
}

/* A string being built on the stack, cut short rather than overflowed. */
struct line {
	char *buf;
	size_t len, size;
};

static void put(struct line *l, const char *s)
{
	while (*s && l->len + 1 < l->size)
		l->buf[l->len++] = *s++;
	l->buf[l->len] = '\0';
}

static void put_number(struct line *l, unsigned long n)
{
	char digits[24];
	int i = sizeof(digits) - 1;

	digits[i] = '\0';
	do {
		digits[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n && i > 0);
	put(l, digits + i);
}

/* "ENAME (description)" of @err, as mstack prints errnos. */
static void put_errno(struct line *l, int err)
{
	const char *name = strerrorname_np(err), *desc = strerrordesc_np(err);

	if (!name) {
		put(l, "errno ");
		put_number(l, (unsigned long)err);
		return;
	}
	put(l, name);
	if (desc) {
		put(l, " (");
		put(l, desc);
		put(l, ")");
	}
}

/* The value of variable @prefix ("NAME=") in @envp, or NULL. */
static const char *env_value(char *const envp[], const char *prefix)
{
	size_t len = strlen(prefix);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, prefix, len) == 0)
			return *envp + len;
	return NULL;
}

/* Whether an entry of LD_PRELOAD (separated by ':' or ' ') is libmsocket. */
static bool preloads_us(const char *list)
{
	const char *p = list, *end, *base;

	for (; *p; p = *end ? end + 1 : end) {
		end = p;
		while (*end && *end != ':' && *end != ' ')
			end++;
		base = p;
		for (const char *c = p; c < end; c++)
			if (*c == '/')
				base = c + 1;
		if ((size_t)(end - base) >= 13 && strncmp(base, "libmsocket.so", 13) == 0)
			return true;
	}
	return false;
}

/* Percent-decodes the @len bytes at @s into @out: false if bad, too long or relative. */
static bool decode(const char *s, size_t len, char *out, size_t size)
{
	return msocket_percent_decode(s, len, out, size) == 0 && out[0] == '/';
}

enum stacks { NO_STACK, ONE_STACK, PER_FAMILY };

/*
 * The stacks of the MSOCKET_DEFAULTS value @value (parsed as defaults.c
 * does, without allocating): NO_STACK for the native stack everywhere
 * (or a value that does not parse: the program's own socket() says so);
 * ONE_STACK if every family has the stack @path; PER_FAMILY otherwise,
 * with one of the stacks in @path.
 */
static enum stacks default_stacks(const char *value, char *path, size_t size)
{
	/* Slot MSOCKET_FAMILIES is "*". */
	const char *val[MSOCKET_FAMILIES + 1] = { NULL };
	size_t len[MSOCKET_FAMILIES + 1] = { 0 };
	const char *p = value, *v, *first = NULL;
	size_t n, first_len = 0;
	bool one = true;
	int slot, ret;

	while ((ret = msocket_defaults_entry(&p, &slot, &v, &n)) > 0) {
		val[slot] = v;
		len[slot] = n;
	}
	if (ret < 0)
		return NO_STACK;
	if (len[MSOCKET_FAMILIES]) {
		first = val[MSOCKET_FAMILIES];
		first_len = len[MSOCKET_FAMILIES];
	} else {
		one = false;
	}
	for (slot = 1; slot < MSOCKET_FAMILIES; slot++) {
		if (!val[slot])
			continue;
		if (!first && len[slot]) {
			first = val[slot];
			first_len = len[slot];
		}
		if (len[slot] != len[MSOCKET_FAMILIES] ||
		    memcmp(val[slot], val[MSOCKET_FAMILIES], len[slot]) != 0)
			one = false;
	}
	if (!first || !decode(first, first_len, path, size))
		return NO_STACK;
	return one ? ONE_STACK : PER_FAMILY;
}

/* Unsigned fields at @off of @buf, in the native byte order. */
static uint16_t u16_at(const unsigned char *buf, size_t off)
{
	uint16_t v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

static uint32_t u32_at(const unsigned char *buf, size_t off)
{
	uint32_t v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

static uint64_t addr_at(const unsigned char *buf, size_t off)
{
	uintptr_t v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

/*
 * Whether the PT_NOTE segment at @offset, @size of the file @fd (whose first
 * @n bytes are @head) holds a note of the Go toolchain ("Go", as the
 * linker's build id note).
 */
static bool note_is_go(int fd, const unsigned char *head, size_t n, uint64_t offset,
		       uint64_t size)
{
	unsigned char buf[512];
	const unsigned char *notes;
	uint64_t at = 0, namesz, descsz;

	if (offset + size <= n) {
		notes = head + offset;
	} else {
		if (size > sizeof(buf))
			size = sizeof(buf);
		if (pread(fd, buf, size, (off_t)offset) != (ssize_t)size)
			return false;
		notes = buf;
	}
	while (at + NOTE_SIZE <= size) {
		namesz = u32_at(notes, at);
		descsz = u32_at(notes, at + 4);
		at += NOTE_SIZE;
		if ((namesz == 3 || namesz == 4) && at + 3 <= size &&
		    memcmp(notes + at, "Go", 3) == 0)
			return true;
		at += ((namesz + 3) & ~3ull) + ((descsz + 3) & ~3ull);
	}
	return false;
}

/* Why running the program open on @fd is a secure execution, or NULL. */
static const char *secure_exec(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return NULL;
	if ((st.st_mode & S_ISUID) && st.st_uid != getuid())
		return "is set-user-ID (LD_PRELOAD is ignored)";
	/* Set-group-ID without group execute is mandatory locking. */
	if ((st.st_mode & S_ISGID) && (st.st_mode & 0010) && st.st_gid != getgid())
		return "is set-group-ID (LD_PRELOAD is ignored)";
	/* Root gains nothing from file capabilities: no AT_SECURE for it. */
	if (getuid() != 0 && fgetxattr(fd, "security.capability", NULL, 0) > 0)
		return "has file capabilities (LD_PRELOAD is ignored)";
	return NULL;
}

/*
 * Why LD_PRELOAD=libmsocket cannot move the program open on @fd (readable),
 * or NULL: a program that is not ELF (nor a script) is the kernel's to
 * refuse. With @interp (SHEBANG_SIZE bytes), a "#!" script is judged by
 * its interpreter, whose path goes there; without, a script is not judged
 * (the kernel follows one level of interpreter for us).
 */
static const char *obstacle(int fd, char *interp)
{
	static const char other_class[] =
		"is a program of another architecture (libmsocket cannot be preloaded into it)";
#if __SIZEOF_POINTER__ == 8
	static const char elf32[] =
		"is a 32-bit program (the 64-bit libmsocket cannot be preloaded into it)";
#endif
	static const char go_program[] =
		"is a Go program (Go makes its sockets by raw system calls, not libc's socket())";
	unsigned char head[HEAD_SIZE], ph[PH_SIZE];
	bool dynamic = false, go = false;
	ssize_t got = pread(fd, head, sizeof(head), 0);
	uint64_t phoff, phentsize, phnum, i, at;
	const char *why;
	size_t n, o = 0;
	int ifd;

	if (got < 4)
		return NULL;
	n = (size_t)got;
	if (head[0] == '#' && head[1] == '!') {
		if (!interp)
			return NULL;
		for (i = 2; i < n && (head[i] == ' ' || head[i] == '\t'); i++)
			;
		while (i < n && o + 1 < SHEBANG_SIZE && head[i] && head[i] != ' ' &&
		       head[i] != '\t' && head[i] != '\n')
			interp[o++] = (char)head[i++];
		interp[o] = '\0';
		ifd = o ? open(interp, O_RDONLY | O_CLOEXEC) : -1;
		if (ifd < 0)
			return NULL;
		why = obstacle(ifd, NULL);
		close(ifd);
		return why;
	}
	if (n < EI_NIDENT || memcmp(head, ELFMAG, SELFMAG) != 0)
		return NULL;
	if (head[EI_CLASS] != NATIVE_CLASS) {
#if __SIZEOF_POINTER__ == 8
		if (head[EI_CLASS] == ELFCLASS32)
			return elf32;
#endif
		return other_class;
	}
	if (n < EH_SIZE || head[EI_DATA] != NATIVE_DATA)
		return other_class;
#if NATIVE_MACHINE != EM_NONE
	if (u16_at(head, EH_MACHINE) != NATIVE_MACHINE)
		return other_class;
#endif
	phoff = addr_at(head, EH_PHOFF);
	phentsize = u16_at(head, EH_PHENTSIZE);
	phnum = u16_at(head, EH_PHNUM);
	if (phentsize < PH_SIZE)
		return NULL;
	for (i = 0; i < phnum; i++) {
		at = phoff + i * phentsize;
		if (at + PH_SIZE <= n)
			memcpy(ph, head + at, PH_SIZE);
		else if (pread(fd, ph, PH_SIZE, (off_t)at) != PH_SIZE)
			return NULL;
		if (u32_at(ph, PH_TYPE) == PT_INTERP)
			dynamic = true;
		else if (u32_at(ph, PH_TYPE) == PT_NOTE && !go)
			go = note_is_go(fd, head, n, addr_at(ph, PH_OFFSET),
					addr_at(ph, PH_FILESZ));
	}
	if (!dynamic)
		return "is statically linked";
	if (go)
		return go_program;
	return secure_exec(fd);
}

/* Opens what an exec of @dirfd, @path, @flags would run, to read it. */
static int open_target(int dirfd, const char *path, int flags)
{
	char link[32] = "/proc/self/fd/";
	struct line l = { link, strlen(link), sizeof(link) };
	unsigned char byte;

	if ((flags & AT_EMPTY_PATH) && path && !path[0]) {
		/* fexecve: the fd itself, or, for an O_PATH fd, the file again. */
		if (pread(dirfd, &byte, 1, 0) >= 0)
			return fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
		put_number(&l, (unsigned long)dirfd);
		return open(link, O_RDONLY | O_CLOEXEC);
	}
	return openat(dirfd, path, O_RDONLY | O_CLOEXEC |
		      (flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0));
}

/* What failed on the way into a stack, for the message. */
enum step {
	STEP_OPEN,
	STEP_NEEDS,
	STEP_USERNS,
	STEP_NETNS_AS_OWNER,
	STEP_UNSHARE,
	STEP_SLAVE,
	STEP_SYSFS,
	STEP_BIND,
};

/* @step as mstack exec --setns words it. */
static void put_step(struct line *l, enum step step)
{
	switch (step) {
	case STEP_OPEN:
		put(l, "open");
		break;
	case STEP_NEEDS:
		put(l, "setns: entering the stack's namespace needs CAP_SYS_ADMIN, ");
		put(l, "or a stack of your own (mstack add --new)");
		break;
	case STEP_USERNS:
		put(l, "setns into the user namespace that owns the stack's");
		break;
	case STEP_NETNS_AS_OWNER:
		put(l, "setns into the stack's namespace from its user namespace");
		break;
	case STEP_UNSHARE:
		put(l, "unshare(CLONE_NEWNS)");
		break;
	case STEP_SLAVE:
		put(l, "mount --make-rslave /");
		break;
	case STEP_SYSFS:
		put(l, "mount sysfs on /sys");
		break;
	case STEP_BIND:
		put(l, "bind mount from /etc/netns");
		break;
	}
}

/* Enters the namespace @ns as mstack's enter_netns(): 0, or -1. */
static int enter_netns(int ns, enum step *step)
{
	uid_t owner;
	int user, err;

	*step = STEP_NEEDS;
	if (setns(ns, CLONE_NEWNET) == 0)
		return 0;
	if (errno != EPERM)
		return -1;
	user = ioctl(ns, NS_GET_USERNS);
	if (user < 0)
		return -1;
	if (ioctl(user, NS_GET_OWNER_UID, &owner) < 0 || owner != geteuid()) {
		close(user);
		errno = EPERM;
		return -1;
	}
	if (setns(user, CLONE_NEWUSER)) {
		err = errno;
		close(user);
		errno = err;
		*step = STEP_USERNS;
		return -1;
	}
	close(user);
	if (setns(ns, CLONE_NEWNET)) {
		*step = STEP_NETNS_AS_OWNER;
		return -1;
	}
	return 0;
}

/* Binds each file of /etc/netns/@name over its namesake in /etc. */
static int bind_etc_netns(const char *name, enum step *step)
{
	char dir[NAME_MAX + 16], src[2 * NAME_MAX + 16], dst[NAME_MAX + 8];
	struct line d = { dir, 0, sizeof(dir) }, s, t;
	char entries[1024];
	struct dirent64 {
		uint64_t ino;
		int64_t off;
		unsigned short reclen;
		unsigned char type;
		char name[];
	} *e;
	long got, at;
	int fd;

	put(&d, "/etc/netns/");
	put(&d, name);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	*step = STEP_BIND;
	while ((got = syscall(SYS_getdents64, fd, entries, sizeof(entries))) > 0) {
		for (at = 0; at < got; at += e->reclen) {
			e = (struct dirent64 *)(entries + at);
			if (!strcmp(e->name, ".") || !strcmp(e->name, ".."))
				continue;
			s = (struct line){ src, 0, sizeof(src) };
			t = (struct line){ dst, 0, sizeof(dst) };
			put(&s, dir);
			put(&s, "/");
			put(&s, e->name);
			put(&t, "/etc/");
			put(&t, e->name);
			if (access(dst, F_OK))
				continue;
			if (mount(src, dst, NULL, MS_BIND, NULL)) {
				close(fd);
				return -1;
			}
		}
	}
	close(fd);
	return 0;
}

/*
 * What ip netns exec does after setns, as mstack exec --setns does it: a
 * mount namespace of its own, /sys mounted anew, /etc/netns/NAME bound.
 */
static int like_ip_netns_exec(const char *stack, enum step *step)
{
	const char *name = strrchr(stack, '/') + 1;

	*step = STEP_UNSHARE;
	if (unshare(CLONE_NEWNS))
		return -1;
	*step = STEP_SLAVE;
	if (mount("", "/", NULL, MS_SLAVE | MS_REC, NULL))
		return -1;
	umount2("/sys", MNT_DETACH);
	*step = STEP_SYSFS;
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return -1;
	return bind_etc_netns(name, step);
}

/* Enters the network namespace of @stack: 0, or -1 with errno and @step. */
static int enter_stack(const char *stack, enum step *step)
{
	int fd, ns, err;

	*step = STEP_OPEN;
	fd = open(stack, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ns = ioctl(fd, STACKFS_IOC_NETNS_FD);
	err = errno;
	close(fd);
	if (ns < 0) {
		*step = STEP_NEEDS;
		errno = err;
		return -1;
	}
	if (enter_netns(ns, step)) {
		err = errno;
		close(ns);
		errno = err;
		return -1;
	}
	close(ns);
	return like_ip_netns_exec(stack, step);
}

/* The program's name for the message: the path, or the file of an fd. */
static const char *prog_name(int dirfd, const char *path, int flags, char *buf, size_t size)
{
	char link[32] = "/proc/self/fd/";
	struct line l = { link, strlen(link), sizeof(link) };
	ssize_t len;

	if (!(flags & AT_EMPTY_PATH) || !path || path[0])
		return path;
	put_number(&l, (unsigned long)dirfd);
	len = readlink(link, buf, size - 1);
	if (len <= 0)
		return "(fexecve)";
	buf[len] = '\0';
	return buf;
}

/* Why a program that cannot be preloaded cannot enter its stack either. */
enum stuck { PER_FAMILY_DEFAULTS, SPAWNED, NOT_PERMITTED };

/*
 * The one line on standard error of a refused program (@dirfd, @path,
 * @flags of its exec): @why, the interpreter @interp of a script (or ""),
 * the stack, and what stopped the fallback (@stuck; for NOT_PERMITTED, the
 * @step that failed with @err).
 */
static void report(int dirfd, const char *path, int flags, const char *interp, const char *why,
		   const char *stack, enum stuck stuck, enum step step, int err)
{
	char buf[1024], name[512];
	const char *prog = prog_name(dirfd, path, flags, name, sizeof(name));
	struct line l = { buf, 0, sizeof(buf) - 1 };

	put(&l, "libmsocket: ");
	put(&l, prog);
	if (interp[0]) {
		put(&l, " is a script whose interpreter ");
		put(&l, interp);
	}
	put(&l, " ");
	put(&l, why);
	put(&l, ": LD_PRELOAD cannot move it to the stack ");
	put(&l, stack);
	switch (stuck) {
	case PER_FAMILY_DEFAULTS:
		put(&l, ", and setns would move every address family, ");
		put(&l, "not only those MSOCKET_DEFAULTS gives that stack");
		break;
	case SPAWNED:
		put(&l, ", and posix_spawn cannot enter the stack's namespace ");
		put(&l, "(glibc runs the program from its own code)");
		break;
	case NOT_PERMITTED:
		put(&l, ", and it cannot enter that stack's namespace (");
		put_step(&l, step);
		put(&l, ": ");
		put_errno(&l, err);
		put(&l, ")");
		break;
	}
	put(&l, "; run it with mstack exec --setns ");
	put(&l, stack);
	put(&l, " -- ");
	put(&l, prog);
	put(&l, ", or in the native stack with MSOCKET_DEFAULTS= ");
	put(&l, prog);
	buf[l.len++] = '\n';
	if (write(STDERR_FILENO, buf, l.len) < 0)
		return;	/* nowhere to say it */
}

enum verdict { RUN, RUN_IN_STACK, REFUSE };

/*
 * Whether the program of @dirfd, @path, @flags may run as it is (RUN),
 * has entered its stack and runs without MSOCKET_DEFAULTS (RUN_IN_STACK),
 * or is refused (REFUSE: reported, errno EPERM). @enter: try the setns
 * fallback (not from posix_spawn, whose child runs nothing of ours).
 */
static enum verdict check(int dirfd, const char *path, int flags, char *const envp[], bool enter)
{
	char stack[PATH_MAX], interp[SHEBANG_SIZE] = "";
	const char *preload, *defaults, *why;
	enum step step = STEP_OPEN;
	enum stuck stuck;
	enum stacks kind;
	int fd, err;

	if (getauxval(AT_SECURE))
		return RUN;
	preload = env_value(envp, LD_PRELOAD_PREFIX);
	if (!preload || !preloads_us(preload))
		return RUN;
	defaults = env_value(envp, DEFAULTS_PREFIX);
	if (!defaults || !defaults[0])
		return RUN;
	kind = default_stacks(defaults, stack, sizeof(stack));
	if (kind == NO_STACK)
		return RUN;
	err = errno;
	fd = open_target(dirfd, path, flags);
	if (fd < 0) {
		/* Not readable (or not there): the exec itself says. */
		errno = err;
		return RUN;
	}
	why = obstacle(fd, interp);
	close(fd);
	if (!why) {
		errno = err;
		return RUN;
	}
	if (kind == PER_FAMILY) {
		stuck = PER_FAMILY_DEFAULTS;
	} else if (!enter) {
		stuck = SPAWNED;
	} else {
		if (enter_stack(stack, &step) == 0) {
			errno = err;
			return RUN_IN_STACK;
		}
		stuck = NOT_PERMITTED;
		err = errno;
	}
	report(dirfd, path, flags, interp, why, stack, stuck, step, err);
	errno = EPERM;
	return REFUSE;
}

/* execveat(2) of @envp less MSOCKET_DEFAULTS (the program is in the stack). */
static int exec_in_stack(int dirfd, const char *path, char *const argv[], char *const envp[],
			 int flags)
{
	size_t n = 0, i, o = 0;

	while (envp && envp[n])
		n++;
	{
		char *env[n + 1];

		for (i = 0; i < n; i++)
			if (strncmp(envp[i], DEFAULTS_PREFIX, strlen(DEFAULTS_PREFIX)))
				env[o++] = envp[i];
		env[o] = NULL;
		if (dirfd == AT_FDCWD && !flags)
			return (int)syscall(SYS_execve, path, argv, env);
		return (int)syscall(SYS_execveat, dirfd, path, argv, env, flags);
	}
}

static int checked_execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
			    int flags)
{
	switch (check(dirfd, path, flags, envp, true)) {
	case REFUSE:
		return -1;
	case RUN_IN_STACK:
		return exec_in_stack(dirfd, path, argv, envp, flags);
	case RUN:
		break;
	}
	if (dirfd == AT_FDCWD && !flags)
		return (int)syscall(SYS_execve, path, argv, envp);
	return (int)syscall(SYS_execveat, dirfd, path, argv, envp, flags);
}

MSOCKET_API int execve(const char *path, char *const argv[], char *const envp[])
{
	return checked_execveat(AT_FDCWD, path, argv, envp, 0);
}

MSOCKET_API int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
			 int flags)
{
	return checked_execveat(dirfd, path, argv, envp, flags);
}

MSOCKET_API int fexecve(int fd, char *const argv[], char *const envp[])
{
	return checked_execveat(fd, "", argv, envp, AT_EMPTY_PATH);
}

MSOCKET_API int execv(const char *path, char *const argv[])
{
	return checked_execveat(AT_FDCWD, path, argv, environ, 0);
}

/*
 * A file that is no ELF nor "#!" (ENOEXEC) runs as a shell script, as
 * glibc's execvp does it.
 */
static void script_execute(const char *file, char *const argv[], char *const envp[])
{
	size_t argc = 0;

	while (argv[argc])
		argc++;
	{
		char *args[argc + 2];

		args[0] = "/bin/sh";
		args[1] = (char *)file;
		memcpy(args + 2, argv + (argc ? 1 : 0), (argc ? argc : 1) * sizeof(char *));
		checked_execveat(AT_FDCWD, args[0], args, envp, 0);
	}
}

/* execvpe(3) as glibc's: the PATH search, each candidate exec'd checked. */
MSOCKET_API int execvpe(const char *file, char *const argv[], char *const envp[])
{
	char buf[PATH_MAX];
	const char *path, *p, *end;
	bool eacces = false;
	size_t flen, dlen;

	if (!file[0]) {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/')) {
		checked_execveat(AT_FDCWD, file, argv, envp, 0);
		if (errno == ENOEXEC)
			script_execute(file, argv, envp);
		return -1;
	}
	flen = strlen(file);
	if (flen > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path; ; p = end + 1) {
		end = strchrnul(p, ':');
		dlen = end - p;
		if (dlen + flen + 2 <= sizeof(buf)) {
			memcpy(buf, p, dlen);
			if (dlen)
				buf[dlen++] = '/';
			memcpy(buf + dlen, file, flen + 1);
			checked_execveat(AT_FDCWD, buf, argv, envp, 0);
			if (errno == ENOEXEC)
				script_execute(buf, argv, envp);
			switch (errno) {
			case EACCES:
				eacces = true;
				break;
			case ENOENT:
			case ESTALE:
			case ENOTDIR:
			case ENODEV:
			case ETIMEDOUT:
				break;
			default:
				return -1;
			}
		}
		if (!*end)
			break;
	}
	if (eacces)
		errno = EACCES;
	return -1;
}

MSOCKET_API int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* How many arguments execl(), execle() or execlp() got, the NULL not counted. */
static size_t count_args(const char *arg, va_list ap)
{
	size_t n = 0;
	va_list c;

	va_copy(c, ap);
	if (arg)
		for (n = 1; va_arg(c, const char *); n++)
			;
	va_end(c);
	return n;
}

MSOCKET_API int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	size_t n, i;

	va_start(ap, arg);
	n = count_args(arg, ap);
	{
		char *argv[n + 1];

		argv[0] = (char *)arg;
		for (i = 1; i <= n; i++)
			argv[i] = va_arg(ap, char *);
		va_end(ap);
		return checked_execveat(AT_FDCWD, path, argv, environ, 0);
	}
}

MSOCKET_API int execle(const char *path, const char *arg, ...)
{
	char *const *envp;
	va_list ap;
	size_t n, i;

	va_start(ap, arg);
	n = count_args(arg, ap);
	{
		char *argv[n + 1];

		argv[0] = (char *)arg;
		for (i = 1; i <= n; i++)
			argv[i] = va_arg(ap, char *);
		envp = va_arg(ap, char *const *);
		va_end(ap);
		return checked_execveat(AT_FDCWD, path, argv, envp, 0);
	}
}

MSOCKET_API int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	size_t n, i;

	va_start(ap, arg);
	n = count_args(arg, ap);
	{
		char *argv[n + 1];

		argv[0] = (char *)arg;
		for (i = 1; i <= n; i++)
			argv[i] = va_arg(ap, char *);
		va_end(ap);
		return execvpe(file, argv, environ);
	}
}

/* The file posix_spawnp() would run: the first executable one in PATH. */
static const char *spawn_path(const char *file, char *buf, size_t size)
{
	const char *path, *p, *end;
	size_t flen = strlen(file), dlen;
	struct stat st;

	if (strchr(file, '/'))
		return file;
	path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path; ; p = end + 1) {
		end = strchrnul(p, ':');
		dlen = end - p;
		if (dlen + flen + 2 <= size) {
			memcpy(buf, p, dlen);
			if (dlen)
				buf[dlen++] = '/';
			memcpy(buf + dlen, file, flen + 1);
			if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
			    faccessat(AT_FDCWD, buf, X_OK, AT_EACCESS) == 0)
				return buf;
		}
		if (!*end)
			return NULL;
	}
}

static int spawn(spawn_fn real, pid_t *pid, const char *file, const char *path,
		 const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attr,
		 char *const argv[], char *const envp[])
{
	int err = errno;

	int ret = ENOSYS;

	if (!real)
		return ret;
	if (path && check(AT_FDCWD, path, 0, envp, false) == REFUSE) {
		errno = err;
		ret = EPERM;
		return ret;
	}
	errno = err;
	return real(pid, file, actions, attr, argv, envp);
}

MSOCKET_API int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
			    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn(real_posix_spawn, pid, path, path, actions, attr, argv, envp);
}

MSOCKET_API int posix_spawnp(pid_t *pid, const char *file,
			     const posix_spawn_file_actions_t *actions,
			     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	char buf[PATH_MAX];

	return spawn(real_posix_spawnp, pid, file, spawn_path(file, buf, sizeof(buf)), actions,
		     attr, argv, envp);
}
