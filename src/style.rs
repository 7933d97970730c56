//! The widget's stylesheet (`ui/widget.css`), minified at compile time for the wasm: comments and
//! whitespace that CSS does not read are dropped (6.4 KB → 5.2 KB, about 300 bytes of the gzipped
//! wasm), while the readable file stays the source. A `const fn`, so no build script and no
//! minifier crate: the rules below are all this one stylesheet needs.

/// The stylesheet as the widget adopts it.
pub const WIDGET_CSS: &str = {
    const SOURCE: &[u8] = include_bytes!("ui/widget.css");
    const LENGTH: usize = minify(SOURCE, &mut []);
    const BYTES: [u8; LENGTH] = {
        let mut out = [0; LENGTH];
        minify(SOURCE, &mut out);
        out
    };
    match core::str::from_utf8(&BYTES) {
        Ok(text) => text,
        Err(_) => panic!("the minified stylesheet is not UTF-8"),
    }
};

/// Writes `css` minified into `out` (nothing when `out` is empty) and returns its length: comments
/// go; a run of whitespace goes next to `{`, `}`, `;`, `,`, `>` and after `:` (where CSS does not
/// read it), else becomes one space (a descendant selector, `1px solid`, `calc(a + b)`); quoted
/// strings are copied as they are. Only ASCII bytes are looked at, so UTF-8 passes through whole.
pub const fn minify(css: &[u8], out: &mut [u8]) -> usize {
    let (mut read, mut length) = (0, 0);
    // The last byte kept; `{` at the start drops leading whitespace.
    let mut last = b'{';
    let mut pending_space = false;
    while read < css.len() {
        let byte = css[read];
        if byte == b'/' && read + 1 < css.len() && css[read + 1] == b'*' {
            read += 2;
            while read < css.len() {
                if css[read] == b'*' && read + 1 < css.len() && css[read + 1] == b'/' {
                    read += 1;
                    break;
                }
                read += 1;
            }
            read += 1;
            continue;
        }
        if byte.is_ascii_whitespace() {
            pending_space = true;
            read += 1;
            continue;
        }
        if pending_space && !is_tight(last) && !is_tight(byte) && last != b':' {
            length = put(out, length, b' ');
        }
        pending_space = false;
        length = put(out, length, byte);
        read += 1;
        last = byte;
        if byte == b'"' || byte == b'\'' {
            while read < css.len() {
                let inside = css[read];
                length = put(out, length, inside);
                read += 1;
                if inside == b'\\' && read < css.len() {
                    length = put(out, length, css[read]);
                    read += 1;
                } else if inside == byte {
                    break;
                }
            }
        }
    }
    length
}

/// Writes `byte` at `length` (when there is an output) and returns the new length.
const fn put(out: &mut [u8], length: usize, byte: u8) -> usize {
    if !out.is_empty() {
        out[length] = byte;
    }
    length + 1
}

/// Bytes next to which whitespace means nothing.
const fn is_tight(byte: u8) -> bool {
    matches!(byte, b'{' | b'}' | b';' | b',' | b'>')
}

#[cfg(test)]
mod tests {
    use super::{WIDGET_CSS, minify};

    fn minified(css: &str) -> String {
        let mut out = vec![0; minify(css.as_bytes(), &mut [])];
        minify(css.as_bytes(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn drops_comments_and_whitespace_css_does_not_read() {
        assert_eq!(
            minified(
                "/* theme */\n:host {\n  all: initial !important;\n  color : red ;\n}\n.a > .b,\n.c :hover { margin: 0 calc(1px + 2px) }\n"
            ),
            ":host{all:initial !important;color :red;}.a>.b,.c :hover{margin:0 calc(1px + 2px)}"
        );
        assert_eq!(
            minified("a { font: 14px \"Segoe  UI\", 'x  /* y */'; } /**/ b{}"),
            "a{font:14px \"Segoe  UI\",'x  /* y */';}b{}"
        );
        assert_eq!(minified("a{content:\"\\\" } \"}"), "a{content:\"\\\" } \"}");
        assert_eq!(minified("a { b: c } /* never closed"), "a{b:c}");
    }

    #[test]
    fn the_widget_stylesheet_keeps_every_rule() {
        let source = include_str!("ui/widget.css");
        assert!(WIDGET_CSS.len() < source.len() * 9 / 10, "{} of {}", WIDGET_CSS.len(), source.len());
        assert!(!WIDGET_CSS.contains("/*") && !WIDGET_CSS.contains('\n'));
        // Every selector and declaration is still there, with its words in order.
        let words = |css: &str| -> Vec<String> {
            css.split(|c: char| !(c.is_alphanumeric() || "-_!#.%()".contains(c)))
                .filter(|word| !word.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let without_comments = minified(source).len();
        assert_eq!(without_comments, WIDGET_CSS.len());
        let mut uncommented = String::new();
        let mut rest = source;
        while let Some(start) = rest.find("/*") {
            uncommented.push_str(&rest[..start]);
            rest = rest[start..].split_once("*/").map_or("", |(_, after)| after);
        }
        uncommented.push_str(rest);
        assert_eq!(words(WIDGET_CSS), words(&uncommented));
        assert_eq!(WIDGET_CSS.matches('{').count(), uncommented.matches('{').count());
    }
}
