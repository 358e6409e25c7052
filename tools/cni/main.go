// SPDX-License-Identifier: LGPL-2.1-or-later

// msocket is a chained CNI plugin (https://www.cni.dev/docs/spec/): after
// the plugins that make a container's network (bridge, host-local...), it
// binds the container's network namespace to a stack file, so that a node
// agent, or any user the file's mode and group allow, makes sockets in the
// container's namespace with msocket: no setns, no privilege.
//
// ADD makes STACKDIR/NAME (STACKDIR is "stackDir", /run/msocket/cni by
// default, where the plugin mounts a stackfs if none is there) bound to
// CNI_NETNS, with "mode" (default "0660") and "group" (a name or number;
// default: root's group); NAME is CNI_ARGS' MSOCKET_STACK, else
// NAMESPACE_POD from K8S_POD_NAMESPACE and K8S_POD_NAME, else
// CNI_CONTAINERID. It passes prevResult on unchanged. DEL removes the file
// (nothing there is not an error); CHECK fails unless the file is there
// and bound to CNI_NETNS's namespace; VERSION lists the spec versions.
//
// Errors are CNI errors on standard output ({"code": N, "msg": ...}) and
// a non-zero exit status, as the spec asks.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// The spec versions this plugin speaks.
var supportedVersions = []string{"0.3.0", "0.3.1", "0.4.0", "1.0.0"}

// The cniVersion of an error: the configuration's once it is known.
var errorVersion = "1.0.0"

// CNI error codes (the spec's "Error" section); 100 and up are ours.
const (
	errIncompatibleVersion = 1
	errInvalidEnv          = 4
	errIO                  = 5
	errDecode              = 6
	errInvalidConfig       = 7
	errNotBound            = 100
)

// cniError is the spec's error object.
type cniError struct {
	Version string `json:"cniVersion"`
	Code    int    `json:"code"`
	Msg     string `json:"msg"`
	Details string `json:"details,omitempty"`
}

func (e *cniError) Error() string { return e.Msg }

func fail(code int, msg string, details error) *cniError {
	e := &cniError{Code: code, Msg: msg}
	if details != nil {
		e.Details = details.Error()
	}
	return e
}

// config is the plugin's network configuration, as the runtime gives it.
type config struct {
	CNIVersion string          `json:"cniVersion"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	StackDir   string          `json:"stackDir"`
	Mode       string          `json:"mode"`
	Group      string          `json:"group"`
	PrevResult json.RawMessage `json:"prevResult"`
}

// The msocket ABI (uapi/linux/msocket.h) and nsfs's NS_GET_ID.
const (
	device        = "/dev/msocket"
	stackfsMagic  = 0x6d736b74
	sIFStack      = 0o160000
	iocMkstack    = 1<<30 | 32<<16 | 0xB9<<8 | 0x02
	iocNetnsID    = 2<<30 | 8<<16 | 0xB9<<8 | 0x11
	nsGetID       = 2<<30 | 8<<16 | 0xb7<<8 | 13
	defaultDir    = "/run/msocket/cni"
	defaultMode   = "0660"
	atFDCWD       = -100
	mkstackArgsV0 = 32
)

// mkstackArgs is struct msocket_mkstack_args.
type mkstackArgs struct {
	size, flags     uint32
	dirfd, netnsFD  int32
	mode, _reserved uint32
	path            uint64
}

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// netnsID is the 64-bit id of the namespace of an nsfs file or, with
// req iocNetnsID, of a stack file.
func netnsID(path string, req uintptr) (uint64, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var id uint64
	if err := ioctl(fd, req, unsafe.Pointer(&id)); err != nil {
		return 0, &os.PathError{Op: "ioctl", Path: path, Err: err}
	}
	return id, nil
}

// mkstack makes the stack file path bound to the namespace of the nsfs
// file netns.
func mkstack(path, netns string, mode uint32) error {
	ns, err := syscall.Open(netns, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: netns, Err: err}
	}
	defer syscall.Close(ns)
	dev, err := syscall.Open(device, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: device, Err: err}
	}
	defer syscall.Close(dev)
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	args := mkstackArgs{size: mkstackArgsV0, dirfd: atFDCWD, netnsFD: int32(ns), mode: mode,
		path: uint64(uintptr(unsafe.Pointer(p)))}
	err = ioctl(dev, iocMkstack, unsafe.Pointer(&args))
	// The path's bytes stay reachable until the ioctl has read them.
	runtime.KeepAlive(p)
	if err != nil {
		return &os.PathError{Op: "mkstack", Path: path, Err: err}
	}
	return nil
}

// stackDir makes sure dir is a directory of a stackfs, mounting one there
// if it is not.
func stackDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return &os.PathError{Op: "statfs", Path: dir, Err: err}
	}
	if st.Type == stackfsMagic {
		return nil
	}
	if err := syscall.Mount("none", dir, "stackfs", 0, ""); err != nil {
		return &os.PathError{Op: "mount stackfs on", Path: dir, Err: err}
	}
	return os.Chmod(dir, 0o755)
}

// stackName is the stack file's name for this attachment.
func stackName(containerID, cniArgs string) (string, error) {
	args := map[string]string{}
	for _, kv := range strings.Split(cniArgs, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			args[k] = v
		}
	}
	name := containerID
	if v := args["MSOCKET_STACK"]; v != "" {
		name = v
	} else if args["K8S_POD_NAMESPACE"] != "" && args["K8S_POD_NAME"] != "" {
		name = args["K8S_POD_NAMESPACE"] + "_" + args["K8S_POD_NAME"]
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || len(name) > 255 {
		return "", fmt.Errorf("%q cannot be a stack file's name", name)
	}
	return name, nil
}

// groupID is the gid of "group" (a name or a number), or -1 if empty.
func groupID(group string) (int, error) {
	if group == "" {
		return -1, nil
	}
	if gid, err := strconv.Atoi(group); err == nil {
		return gid, nil
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(g.Gid)
}

func versionSupported(v string) bool {
	for _, s := range supportedVersions {
		if s == v {
			return true
		}
	}
	return false
}

// run carries out CNI_COMMAND with the configuration on stdin and writes
// the result to stdout.
func run(stdin io.Reader, stdout io.Writer) *cniError {
	command := os.Getenv("CNI_COMMAND")
	data, err := io.ReadAll(stdin)
	if err != nil {
		return fail(errIO, "cannot read the configuration", err)
	}
	if command == "VERSION" {
		version := "1.0.0"
		var c config
		if json.Unmarshal(data, &c) == nil && c.CNIVersion != "" {
			version = c.CNIVersion
		}
		out, _ := json.Marshal(map[string]interface{}{
			"cniVersion": version, "supportedVersions": supportedVersions})
		_, _ = stdout.Write(append(out, '\n'))
		return nil
	}
	var c config
	if err := json.Unmarshal(data, &c); err != nil {
		return fail(errDecode, "cannot decode the network configuration", err)
	}
	if c.CNIVersion != "" {
		errorVersion = c.CNIVersion
	}
	if !versionSupported(c.CNIVersion) {
		return fail(errIncompatibleVersion, fmt.Sprintf("cniVersion %q is not supported (%s)",
			c.CNIVersion, strings.Join(supportedVersions, ", ")), nil)
	}
	if c.StackDir == "" {
		c.StackDir = defaultDir
	}
	if c.Mode == "" {
		c.Mode = defaultMode
	}
	mode, err := strconv.ParseUint(c.Mode, 8, 32)
	if err != nil || mode > 0o7777 {
		return fail(errInvalidConfig, fmt.Sprintf("mode %q is not an octal mode", c.Mode), nil)
	}
	gid, err := groupID(c.Group)
	if err != nil {
		return fail(errInvalidConfig, fmt.Sprintf("group %q", c.Group), err)
	}
	containerID, netns := os.Getenv("CNI_CONTAINERID"), os.Getenv("CNI_NETNS")
	if containerID == "" {
		return fail(errInvalidEnv, "CNI_CONTAINERID is not set", nil)
	}
	name, err := stackName(containerID, os.Getenv("CNI_ARGS"))
	if err != nil {
		return fail(errInvalidConfig, "the stack file's name", err)
	}
	path := filepath.Join(c.StackDir, name)

	switch command {
	case "ADD":
		if netns == "" {
			return fail(errInvalidEnv, "CNI_NETNS is not set", nil)
		}
		if err := stackDir(c.StackDir); err != nil {
			return fail(errIO, "the stack directory", err)
		}
		// A file left by an attachment that was never deleted goes.
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return fail(errIO, "removing a stale stack file", err)
		}
		if err := mkstack(path, netns, uint32(mode)); err != nil {
			return fail(errIO, "making the stack file", err)
		}
		// The umask may have taken bits off; the mode is the config's.
		if err := os.Chmod(path, os.FileMode(mode&0o777)); err != nil {
			return fail(errIO, "setting the stack file's mode", err)
		}
		if gid >= 0 {
			if err := os.Chown(path, -1, gid); err != nil {
				return fail(errIO, "setting the stack file's group", err)
			}
		}
		result := []byte(c.PrevResult)
		if len(result) == 0 {
			result, _ = json.Marshal(map[string]string{"cniVersion": c.CNIVersion})
		}
		_, _ = stdout.Write(append(result, '\n'))
	case "DEL":
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return fail(errIO, "removing the stack file", err)
		}
	case "CHECK":
		if netns == "" {
			return fail(errInvalidEnv, "CNI_NETNS is not set", nil)
		}
		var st syscall.Stat_t
		if err := syscall.Stat(path, &st); err != nil {
			return fail(errNotBound, "no stack file for the container", &os.PathError{Op: "stat", Path: path, Err: err})
		}
		if st.Mode&syscall.S_IFMT != sIFStack {
			return fail(errNotBound, path+" is not a stack file", nil)
		}
		want, err := netnsID(netns, nsGetID)
		if err != nil {
			return fail(errIO, "the container's namespace", err)
		}
		got, err := netnsID(path, iocNetnsID)
		if err != nil {
			return fail(errIO, "the stack file's namespace", err)
		}
		if got != want {
			return fail(errNotBound, fmt.Sprintf("%s is bound to namespace %d, not the container's %d",
				path, got, want), nil)
		}
	default:
		return fail(errInvalidEnv, fmt.Sprintf("CNI_COMMAND %q is not ADD, DEL, CHECK or VERSION", command), nil)
	}
	return nil
}

func main() {
	if e := run(os.Stdin, os.Stdout); e != nil {
		e.Version = errorVersion
		data, _ := json.Marshal(e)
		_, _ = os.Stdout.Write(append(data, '\n'))
		os.Exit(1)
	}
}
