//! A minimal element tree read from decoded XML text.
//!
//! OQS files are small, unordered and full of optional, repeated and unknown elements.
//! Reading them into a plain tree first and then picking fields by name handles every
//! order and repetition uniformly, which serde-based mapping does not (quick-xml's serde
//! support needs contiguous sequences and fails on some unknown-field layouts).

use quick_xml::events::{BytesRef, Event};
use quick_xml::Reader;

use super::OqsError;

/// Deeper than any terminal message (which nests 5 levels); guards stack and memory.
const MAX_DEPTH: usize = 32;

/// One element: its local name (namespace prefix dropped), its text and its children.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub name: String,
    text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every descendant with this name, at any depth, in document order.
    pub fn descendants_named<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        for child in &self.children {
            if child.name == name {
                out.push(child);
            } else {
                child.descendants_named(name, out);
            }
        }
    }

    /// The element's text, `None` when it is empty or only white space. Inner white
    /// space and leading spaces of real values (`"  131011"`) are kept.
    pub fn value(&self) -> Option<String> {
        if self.text.trim().is_empty() {
            None
        } else {
            Some(self.text.clone())
        }
    }

    /// The text of the first child with this name (see [`Element::value`]).
    pub fn text_of(&self, name: &str) -> Option<String> {
        self.child(name).and_then(Element::value)
    }
}

/// Parses the text into a tree and returns its root element.
pub(crate) fn parse(text: &str) -> Result<Element, OqsError> {
    let mut reader = Reader::from_str(text);
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let position = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => return Err(malformed(reader.error_position(), error)),
        };
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(malformed_msg(position, "a second root element"));
                }
                if open.len() >= MAX_DEPTH {
                    return Err(OqsError::TooDeep { limit: MAX_DEPTH });
                }
                open.push(Element {
                    name: local_name(start.local_name().as_ref()),
                    ..Element::default()
                });
            }
            Event::Empty(empty) => {
                if root.is_some() {
                    return Err(malformed_msg(position, "a second root element"));
                }
                let element = Element {
                    name: local_name(empty.local_name().as_ref()),
                    ..Element::default()
                };
                attach(&mut open, &mut root, element);
            }
            Event::End(_) => {
                // quick-xml checks that end names match, so `open` is never empty here.
                if let Some(element) = open.pop() {
                    attach(&mut open, &mut root, element);
                }
            }
            Event::Text(content) => {
                let content = content.xml_content().map_err(|e| malformed(position, e))?;
                push_text(&mut open, &content, position)?;
            }
            Event::CData(content) => {
                let content = content.decode().map_err(|e| malformed(position, e))?;
                push_text(&mut open, &content, position)?;
            }
            Event::GeneralRef(reference) => {
                let resolved = resolve_reference(&reference, position)?;
                push_text(&mut open, &resolved, position)?;
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if let Some(unclosed) = open.pop() {
        return Err(OqsError::Truncated {
            open: unclosed.name,
        });
    }
    root.ok_or(OqsError::Empty)
}

fn attach(open: &mut [Element], root: &mut Option<Element>, element: Element) {
    match open.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn push_text(open: &mut [Element], content: &str, position: u64) -> Result<(), OqsError> {
    match open.last_mut() {
        Some(current) => {
            current.text.push_str(content);
            Ok(())
        }
        None if content.trim().is_empty() => Ok(()),
        None => Err(malformed_msg(position, "text outside the root element")),
    }
}

fn resolve_reference(reference: &BytesRef<'_>, position: u64) -> Result<String, OqsError> {
    if let Some(character) = reference
        .resolve_char_ref()
        .map_err(|e| malformed(position, e))?
    {
        return Ok(character.to_string());
    }
    let name = reference.decode().map_err(|e| malformed(position, e))?;
    quick_xml::escape::resolve_predefined_entity(&name)
        .map(str::to_string)
        .ok_or_else(|| malformed_msg(position, &format!("unknown entity &{name};")))
}

fn local_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

fn malformed(position: u64, error: impl std::fmt::Display) -> OqsError {
    malformed_msg(position, &error.to_string())
}

fn malformed_msg(position: u64, reason: &str) -> OqsError {
    OqsError::Malformed {
        position,
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_references_and_cdata_are_joined_and_spaces_kept() {
        let root = parse("<a><b>  1&amp;2&#x41;<![CDATA[<x>]]></b><c/><c>  </c><ns:d>v</ns:d></a>")
            .unwrap();
        assert_eq!(root.text_of("b").as_deref(), Some("  1&2A<x>"));
        let mut cs = Vec::new();
        root.descendants_named("c", &mut cs);
        assert_eq!(cs.len(), 2);
        assert!(cs.iter().all(|c| c.value().is_none()));
        assert_eq!(root.text_of("d").as_deref(), Some("v"));
    }

    #[test]
    fn broken_documents_are_errors() {
        assert!(matches!(
            parse("<a><b></a>"),
            Err(OqsError::Malformed { .. })
        ));
        assert_eq!(
            parse("<a><b>1</b>").unwrap_err(),
            OqsError::Truncated { open: "a".into() }
        );
        assert_eq!(parse("<!-- only -->").unwrap_err(), OqsError::Empty);
        assert!(matches!(parse("<a/><b/>"), Err(OqsError::Malformed { .. })));
        assert!(matches!(
            parse("<a>&nbsp;</a>"),
            Err(OqsError::Malformed { .. })
        ));
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert_eq!(
            parse(&deep).unwrap_err(),
            OqsError::TooDeep { limit: MAX_DEPTH }
        );
    }
}
