//! Lists of address families on the command line, as vustack takes them:
//! names or numbers separated by commas (or spaces or semicolons), plus
//! the aliases `ip` (inet, inet6, netlink, packet), `ipv4`/`ip4` (inet),
//! `ipv6`/`ip6` (inet6), `bt` (bluetooth) and `ir` (irda).

use msocket::family;

/// The aliases and what they stand for.
pub const ALIASES: &[(&str, &[i32])] = &[
    (
        "ip",
        &[
            libc::AF_INET,
            libc::AF_INET6,
            libc::AF_NETLINK,
            libc::AF_PACKET,
        ],
    ),
    ("ipv4", &[libc::AF_INET]),
    ("ip4", &[libc::AF_INET]),
    ("ipv6", &[libc::AF_INET6]),
    ("ip6", &[libc::AF_INET6]),
    ("bt", &[libc::AF_BLUETOOTH]),
    ("ir", &[libc::AF_IRDA]),
];

/// Adds the families of `list` to `out` (kept sorted, without repeats).
/// The error names the item that is not a family.
pub fn parse_into(list: &str, out: &mut Vec<i32>) -> Result<(), String> {
    for item in list.split([',', ' ', '\t', ';']).filter(|s| !s.is_empty()) {
        let lower = item.to_ascii_lowercase();
        if let Some((_, families)) = ALIASES.iter().find(|(a, _)| *a == lower) {
            out.extend_from_slice(families);
            continue;
        }
        match family::parse(item) {
            Some(f) if f > 0 => out.push(f),
            _ => return Err(format!("unknown protocol family {item}")),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(())
}

/// The families of `list`.
pub fn parse(list: &str) -> Result<Vec<i32>, String> {
    let mut out = Vec::new();
    parse_into(list, &mut out)?;
    Ok(out)
}

/// `"inet(2) inet6(10)"`: families the way `-v` shows them.
pub fn show(families: &[i32]) -> String {
    families
        .iter()
        .map(|&f| format!("{}({f})", family::display(f)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_aliases() {
        assert_eq!(parse("inet").unwrap(), vec![libc::AF_INET]);
        assert_eq!(
            parse("ip").unwrap(),
            vec![
                libc::AF_INET,
                libc::AF_INET6,
                libc::AF_NETLINK,
                libc::AF_PACKET
            ]
        );
        assert_eq!(
            parse("ipv4,ip6").unwrap(),
            vec![libc::AF_INET, libc::AF_INET6]
        );
        assert_eq!(
            parse("IP4 ; 10").unwrap(),
            vec![libc::AF_INET, libc::AF_INET6]
        );
        assert_eq!(
            parse("bt,ir").unwrap(),
            vec![libc::AF_IRDA, libc::AF_BLUETOOTH]
        );
        assert_eq!(parse("unix,local,1").unwrap(), vec![libc::AF_UNIX]);
        assert_eq!(
            parse("16,af_packet").unwrap(),
            vec![libc::AF_NETLINK, libc::AF_PACKET]
        );
        assert_eq!(parse("").unwrap(), Vec::<i32>::new());
    }

    #[test]
    fn rejects() {
        assert_eq!(
            parse("inet,bogus").unwrap_err(),
            "unknown protocol family bogus"
        );
        assert!(parse("0").is_err());
        assert!(parse("unspec").is_err());
        assert!(parse("64").is_err());
        assert!(parse("-1").is_err());
    }

    #[test]
    fn shows() {
        assert_eq!(show(&[2, 10, 50]), "inet(2) inet6(10) 50(50)");
    }
}
