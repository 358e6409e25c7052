//! The crate's copy of the kernel ABI against the C header
//! `uapi/linux/msocket.h`: a C program prints the header's values, and they
//! must equal the crate's (exposed to this test through the doc-hidden
//! `abi` module). Needs a C compiler on the host.

use std::path::Path;
use std::process::Command;

const PROGRAM: &str = r#"
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <linux/msocket.h>
#define P(x) printf(#x " %llu\n", (unsigned long long)(x))
int main(void)
{
	P(MSOCKET_IOC_SOCKET);
	P(MSOCKET_IOC_MKSTACK);
	P(STACKFS_IOC_NETNS_FD);
	P(STACKFS_IOC_NETNS_ID);
	P(S_IFSTACK);
	P(SOCK_DEFAULT);
	P(STACKFS_MAGIC);
	P(MSOCKET_ARGS_SIZE_VER0);
	P(MSOCKET_ARGS_SIZE_VER1);
	P(MSOCKET_EXPECT_STACK);
	P(sizeof(struct msocket_args));
	P(offsetof(struct msocket_args, domain));
	P(offsetof(struct msocket_args, type));
	P(offsetof(struct msocket_args, path));
	P(offsetof(struct msocket_args, stack_dev));
	P(offsetof(struct msocket_args, stack_ino));
	P(sizeof(struct msocket_mkstack_args));
	P(offsetof(struct msocket_mkstack_args, netns_fd));
	P(offsetof(struct msocket_mkstack_args, mode));
	P(offsetof(struct msocket_mkstack_args, path));
	return 0;
}
"#;

#[test]
fn abi_matches_the_c_header() {
    let top = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let src = dir.join("abi.c");
    let exe = dir.join("abi");
    std::fs::write(&src, PROGRAM).unwrap();
    let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .arg("-I")
        .arg(top.join("uapi"))
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .status()
        .expect("a C compiler (cc) is needed for this test");
    assert!(status.success());
    let out = Command::new(&exe).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let c: std::collections::HashMap<&str, u64> = text
        .lines()
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (k, v.parse().unwrap())
        })
        .collect();
    let rust = msocket::abi::values();
    assert_eq!(rust.len(), c.len());
    for (name, value) in rust {
        assert_eq!(c.get(name), Some(&value), "{name}");
    }
}
