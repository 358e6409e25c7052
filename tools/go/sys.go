// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket

import (
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// The fd of /dev/msocket, opened once (O_CLOEXEC) and never closed; -1
// until then.
var (
	deviceFD   int32 = -1
	deviceLock sync.Mutex
)

// device returns the fd of /dev/msocket, opening it on first use. Without
// the device (the module is not loaded) the msocket system call does not
// exist: ENOSYS, and the next call tries again.
func device() (int, error) {
	if fd := atomic.LoadInt32(&deviceFD); fd >= 0 {
		return int(fd), nil
	}
	deviceLock.Lock()
	defer deviceLock.Unlock()
	if fd := atomic.LoadInt32(&deviceFD); fd >= 0 {
		return int(fd), nil
	}
	fd, err := syscall.Open(Device, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		switch err {
		case syscall.ENOENT, syscall.ENXIO, syscall.ENODEV:
			err = syscall.ENOSYS
		}
		return -1, err
	}
	atomic.StoreInt32(&deviceFD, int32(fd))
	return fd, nil
}

// ioctl is ioctl(2) with a pointer argument.
func ioctl(fd int, req uintptr, arg unsafe.Pointer) (int, error) {
	r, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// msocketFD is MSOCKET_IOC_SOCKET on the stack file opened as stackfd
// (AT_EMPTY_PATH): a new socket fd, or 0 for SOCK_DEFAULT. The error is a
// bare syscall.Errno.
func msocketFD(stackfd, domain, typ, proto int) (int, error) {
	dev, err := device()
	if err != nil {
		return -1, err
	}
	args := msocketArgs{
		// Only fields of the first version are used: the kernel copies
		// those alone.
		Size:     argsSizeVer0,
		Flags:    atEmptyPath,
		Dirfd:    int32(stackfd),
		Domain:   int32(domain),
		Type:     int32(typ),
		Protocol: int32(proto),
	}
	for {
		// A raw system call, as syscall.Socket makes: by fd, the call
		// does not block longer than socket(2) does, so the runtime
		// need not be told (entersyscall and exitsyscall are work the
		// Go way of making a socket does not do).
		r, _, errno := syscall.RawSyscall(syscall.SYS_IOCTL, uintptr(dev), iocSocket,
			uintptr(unsafe.Pointer(&args)))
		if errno != syscall.EINTR {
			if errno != 0 {
				return -1, errno
			}
			return int(r), nil
		}
	}
}

// stackSocket is STACKFS_IOC_SOCKET on stackfd, open for writing on the
// stack file, with the packed argument arg: a new socket fd, or 0 for
// SOCK_DEFAULT. The error is a bare syscall.Errno.
func stackSocket(stackfd int, arg uint64) (int, error) {
	for {
		// A raw system call, as msocketFD makes.
		r, _, errno := syscall.RawSyscall(syscall.SYS_IOCTL, uintptr(stackfd), iocStackSocket,
			uintptr(arg))
		if errno != syscall.EINTR {
			if errno != 0 {
				return -1, errno
			}
			return int(r), nil
		}
	}
}

// oEmptyPath is O_EMPTYPATH (Linux 7.x): openat(fd, "", flags|O_EMPTYPATH)
// opens the file fd is open on (an O_PATH fd too) again, as
// /proc/self/fd/N does. Older kernels ignore the flag, and the empty path
// is ENOENT.
const oEmptyPath = 0o400000000

// reopenForWriting opens the file that fd is open on (a stack file,
// checked by fstat) for writing, O_CLOEXEC: by O_EMPTYPATH, else through
// /proc/self/fd. Never by path: the file there may be another one by now.
func reopenForWriting(fd int) (int, error) {
	w, err := syscall.Openat(fd, "", syscall.O_WRONLY|syscall.O_CLOEXEC|oEmptyPath, 0)
	if err == syscall.ENOENT {
		w, err = syscall.Open("/proc/self/fd/"+strconv.Itoa(fd), syscall.O_WRONLY|syscall.O_CLOEXEC, 0)
	}
	return w, err
}

// keepsPathFD says whether an error of reopenForWriting leaves a Stack
// with its O_PATH fd, each call then checked (and refused) by the kernel:
// the caller may not open the file for writing (EACCES: no w, or an LSM;
// EPERM; EROFS: a read-only mount), or there is no way to reopen it
// (ENOENT: no O_EMPTYPATH and no /proc).
func keepsPathFD(err error) bool {
	switch err {
	case syscall.EACCES, syscall.EPERM, syscall.EROFS, syscall.ENOENT:
		return true
	}
	return false
}

// AT_EMPTY_PATH (linux/fcntl.h); syscall of Go 1.19 lacks it on Linux.
const atEmptyPath = 0x1000

// sysErr wraps a bare errno of the msocket call.
func sysErr(err error) error {
	if err == nil {
		return nil
	}
	return os.NewSyscallError("msocket", err)
}

// O_PATH (asm-generic/fcntl.h); syscall of Go 1.19 lacks it on Linux.
const oPath = 0x200000
