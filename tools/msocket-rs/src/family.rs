//! Address family names, as `MSOCKET_DEFAULTS`, `mstack` and `vustack`
//! spell them: the lower-case `AF_` names without the prefix (`"inet"`,
//! `"inet6"`, `"unix"`...). The same table is in libmsocket
//! (`tools/libmsocket/families.c`).

/// Families `0..FAMILIES` can have a default stack of their own.
pub const FAMILIES: i32 = 64;

/// The canonical names, indexed by family number.
const NAMES: [Option<&str>; 46] = [
    None,
    Some("unix"),
    Some("inet"),
    Some("ax25"),
    Some("ipx"),
    Some("appletalk"),
    Some("netrom"),
    Some("bridge"),
    Some("atmpvc"),
    Some("x25"),
    Some("inet6"),
    Some("rose"),
    Some("decnet"),
    Some("netbeui"),
    Some("security"),
    Some("key"),
    Some("netlink"),
    Some("packet"),
    Some("ash"),
    Some("econet"),
    Some("atmsvc"),
    Some("rds"),
    Some("sna"),
    Some("irda"),
    Some("pppox"),
    Some("wanpipe"),
    Some("llc"),
    Some("ib"),
    Some("mpls"),
    Some("can"),
    Some("tipc"),
    Some("bluetooth"),
    Some("iucv"),
    Some("rxrpc"),
    Some("isdn"),
    Some("phonet"),
    Some("ieee802154"),
    Some("caif"),
    Some("alg"),
    Some("nfc"),
    Some("vsock"),
    Some("kcm"),
    Some("qipcrtr"),
    Some("smc"),
    Some("xdp"),
    Some("mctp"),
];

/// The canonical name of `family`, if it has one.
///
/// ```
/// assert_eq!(msocket::family::name(libc::AF_INET6), Some("inet6"));
/// assert_eq!(msocket::family::name(63), None);
/// ```
pub fn name(family: i32) -> Option<&'static str> {
    usize::try_from(family)
        .ok()
        .and_then(|i| NAMES.get(i).copied().flatten())
}

/// `name(family)`, or the number for a family without a name.
pub fn display(family: i32) -> String {
    name(family).map_or_else(|| family.to_string(), str::to_owned)
}

/// The family `text` names: a canonical name or `"local"`, any case, with
/// or without an `af_`/`pf_` prefix, or a decimal number below
/// [`FAMILIES`].
///
/// ```
/// use msocket::family::parse;
/// assert_eq!(parse("inet"), Some(libc::AF_INET));
/// assert_eq!(parse("AF_INET6"), Some(libc::AF_INET6));
/// assert_eq!(parse("local"), Some(libc::AF_UNIX));
/// assert_eq!(parse("16"), Some(libc::AF_NETLINK));
/// assert_eq!(parse("ip"), None);
/// ```
pub fn parse(text: &str) -> Option<i32> {
    let lower = text.to_ascii_lowercase();
    let bare = lower
        .strip_prefix("af_")
        .or_else(|| lower.strip_prefix("pf_"))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(&lower);
    if bare.bytes().next()?.is_ascii_digit() {
        if !bare.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        return bare
            .parse::<i32>()
            .ok()
            .filter(|n| (0..FAMILIES).contains(n));
    }
    if bare == "local" {
        return Some(libc::AF_UNIX);
    }
    (1..NAMES.len() as i32).find(|&f| name(f) == Some(bare))
}

/// Every family with a name, in number order.
pub fn named() -> impl Iterator<Item = (i32, &'static str)> {
    (0..NAMES.len() as i32).filter_map(|f| name(f).map(|n| (f, n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_libc_constants() {
        for (family, expect) in [
            (libc::AF_UNIX, "unix"),
            (libc::AF_INET, "inet"),
            (libc::AF_INET6, "inet6"),
            (libc::AF_NETLINK, "netlink"),
            (libc::AF_PACKET, "packet"),
            (libc::AF_BLUETOOTH, "bluetooth"),
            (libc::AF_IRDA, "irda"),
            (libc::AF_VSOCK, "vsock"),
            (libc::AF_XDP, "xdp"),
            (libc::AF_CAN, "can"),
            (libc::AF_TIPC, "tipc"),
            (libc::AF_ALG, "alg"),
        ] {
            assert_eq!(name(family), Some(expect));
            assert_eq!(parse(expect), Some(family));
        }
    }

    #[test]
    fn every_name_round_trips() {
        for (family, n) in named() {
            assert_eq!(parse(n), Some(family), "{n}");
            assert_eq!(parse(&n.to_uppercase()), Some(family), "{n}");
            assert_eq!(parse(&format!("AF_{n}")), Some(family), "{n}");
            assert_eq!(parse(&format!("pf_{n}")), Some(family), "{n}");
        }
        assert_eq!(named().count(), 45);
    }

    #[test]
    fn numbers_and_rejects() {
        assert_eq!(parse("0"), Some(0));
        assert_eq!(parse("63"), Some(63));
        assert_eq!(parse("64"), None);
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("2x"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("af_"), None);
        assert_eq!(parse("unspec"), None);
        assert_eq!(parse("*"), None);
        assert_eq!(display(50), "50");
        assert_eq!(display(2), "inet");
    }
}
