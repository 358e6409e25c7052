//! The crate's copy of the kernel ABI against the C header
//! `uapi/linux/msocket.h`: a C program prints the header's values, and they
//! must equal the crate's (exposed to this test through the doc-hidden
//! `abi` module). Needs a C compiler on the host.

use std::path::Path;
use std::process::Command;

/// The C program: prints `NAME VALUE` for every name of `names`, each a C
/// expression over the header.
fn program(names: &[&str]) -> String {
    let mut p = String::from(
        "#include <stddef.h>\n#include <stdio.h>\n#include <sys/socket.h>\n\
         #include <linux/msocket.h>\nint main(void)\n{\n",
    );
    for name in names {
        p.push_str(&format!(
            "\tprintf(\"%s\\t%llu\\n\", {name:?}, (unsigned long long)({name}));\n"
        ));
    }
    p.push_str("\treturn 0;\n}\n");
    p
}

#[test]
fn abi_matches_the_c_header() {
    let top = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let src = dir.join("abi.c");
    let exe = dir.join("abi");
    let rust = msocket::abi::values();
    let names: Vec<&str> = rust.iter().map(|(name, _)| *name).collect();
    std::fs::write(&src, program(&names)).unwrap();
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
            let (k, v) = l.rsplit_once('\t').unwrap();
            (k, v.parse().unwrap())
        })
        .collect();
    assert_eq!(rust.len(), c.len());
    for (name, value) in rust {
        assert_eq!(c.get(name), Some(&value), "{name}");
    }
}
