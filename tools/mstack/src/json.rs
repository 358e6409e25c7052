//! Just enough JSON for `-j` output: strings, arrays and objects, written
//! compactly on one line as `ip -j` does.

/// `text` as a JSON string, quoted and escaped.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON array of the (already JSON) `items`.
pub fn array(items: Vec<String>) -> String {
    format!("[{}]", items.join(","))
}

/// A JSON object of `(key, JSON value)` pairs, in order.
pub fn object(fields: &[(&str, String)]) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", string(k)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(string("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\u0001""#);
        assert_eq!(string("été"), "\"été\"");
        assert_eq!(
            object(&[("a", "1".into()), ("b", array(vec![string("x")]))]),
            r#"{"a":1,"b":["x"]}"#
        );
        assert_eq!(array(vec![]), "[]");
    }
}
