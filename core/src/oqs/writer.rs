//! Builds the indented XML text of the files we write (requests, simulated responses).
//!
//! Indentation only ever goes between elements; a value is written exactly as held so
//! padded numbers (`"  131011"`) survive.

use quick_xml::escape::escape;

use super::XmlEncoding;

pub(crate) struct XmlText {
    out: String,
    depth: usize,
}

impl XmlText {
    /// Starts a document with the declaration the terminal uses.
    pub fn new(encoding: XmlEncoding) -> Self {
        let out = format!(
            "<?xml version=\"1.0\" encoding=\"{}\" standalone=\"no\"?>\n",
            encoding.declaration_name()
        );
        Self { out, depth: 0 }
    }

    pub fn open(&mut self, name: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    pub fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// Writes `<name>value</name>`; nothing at all for `None`.
    pub fn leaf(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.indent();
            self.out.push('<');
            self.out.push_str(name);
            self.out.push('>');
            // A raw CR would be folded into LF by the reader's end-of-line handling.
            self.out.push_str(&escape(value).replace('\r', "&#13;"));
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push_str(">\n");
        }
    }

    pub fn finish(self) -> String {
        self.out
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
}
