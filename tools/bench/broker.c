// SPDX-License-Identifier: GPL-2.0
/*
 * The unprivileged broker, what rootless tools do today to get a socket in
 * another namespace: a helper process that lives in the namespace (here it
 * enters it, then drops every privilege: uid and gid 65534, no groups, no
 * capabilities) makes a socket on each request and passes it back over a
 * unix socket with SCM_RIGHTS. One request is three ints; the answer is
 * the fd, or an errno in the data when the socket could not be made.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/uio.h>

#include "bench.h"

struct request {
	int domain, type, protocol;
};

static int broker_fd = -1;
static pid_t broker_pid;

static int send_fd(int sock, int fd, int err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm = { 0 };
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		cm.h.cmsg_level = SOL_SOCKET;
		cm.h.cmsg_type = SCM_RIGHTS;
		cm.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&cm.h), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == sizeof(err) ? 0 : -1;
}

static void broker_serve(int sock)
{
	struct request req;
	int fd;

	while (read(sock, &req, sizeof(req)) == sizeof(req)) {
		fd = raw_socket(req.domain, req.type, req.protocol);
		if (send_fd(sock, fd, fd < 0 ? errno : 0))
			break;
		if (fd >= 0)
			close(fd);
	}
	_exit(0);
}

int broker_start(int nsfd)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	broker_pid = fork();
	if (broker_pid < 0)
		return -1;
	if (broker_pid == 0) {
		close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setns(nsfd, CLONE_NEWNET) || setgroups(0, NULL) || setgid(65534) ||
		    setuid(65534))
			_exit(1);
		broker_serve(sv[1]);
	}
	close(sv[1]);
	broker_fd = sv[0];
	return 0;
}

int broker_socket(int domain, int type, int protocol)
{
	struct request req = { domain, type, protocol };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	int err = 0, fd = -1;
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
	};

	if (write(broker_fd, &req, sizeof(req)) != sizeof(req))
		return -1;
	if (recvmsg(broker_fd, &msg, MSG_CMSG_CLOEXEC) != sizeof(err)) {
		errno = EPIPE;
		return -1;
	}
	if (err) {
		errno = err;
		return -1;
	}
	if (msg.msg_controllen >= CMSG_LEN(sizeof(int)) &&
	    CMSG_FIRSTHDR(&msg)->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	if (fd < 0)
		errno = EPROTO;
	return fd;
}

void broker_stop(void)
{
	if (broker_fd < 0)
		return;
	close(broker_fd);
	waitpid(broker_pid, NULL, 0);
	broker_fd = -1;
}
