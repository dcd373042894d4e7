//! Percent-decoding and query-string / form parsing (tiny, no extra crate).

/// Percent-decodes `s` (UTF-8, lossy); `plus_as_space` for form/query encoding.
pub(crate) fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len()
                && b[i + 1].is_ascii_hexdigit()
                && b[i + 2].is_ascii_hexdigit() =>
            {
                let hex = [b[i + 1], b[i + 2]];
                let v =
                    u8::from_str_radix(std::str::from_utf8(&hex).unwrap_or("00"), 16).unwrap_or(0);
                out.push(v);
                i += 3;
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses `a=b&c=d` (form or query encoding) into decoded pairs, in order.
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
            None => (percent_decode(p, true), String::new()),
        })
        .collect()
}

/// Percent-encodes a query value (unreserved characters and `,` kept).
pub(crate) fn encode_component(s: &str) -> String {
    let mut out = String::new();
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || b"-._~".contains(&c) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        assert_eq!(
            percent_decode("adele%40contoso.com", false),
            "adele@contoso.com"
        );
        assert_eq!(percent_decode("a+b%2", true), "a b%2");
        assert_eq!(
            parse_query("%24top=2&%24select=subject%2Cfrom&x"),
            vec![
                ("$top".to_string(), "2".to_string()),
                ("$select".to_string(), "subject,from".to_string()),
                ("x".to_string(), String::new())
            ]
        );
    }
}
