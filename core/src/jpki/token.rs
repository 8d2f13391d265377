//! What is answering as the JPKI AP: a plastic card or a phone's スマホ用電子証明書.
//!
//! EF 0006 starts with a 32-byte, space-padded label that names the token
//! (card-and-transport.md §1.2, §5). The phones speak the same AP protocol with a few
//! differences, which live here as predicates so the flow reads them by name.

/// The kind of JPKI token, from the label in EF 0006.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// `JPKIAPICCTOKEN2`: a physical My Number Card.
    Card,
    /// `JPKIAPGPSETOKEN`: the certificate in an Android phone's secure element.
    Android,
    /// `JPKIAPIOSTOKEN`: the certificate on an iPhone.
    IPhone,
    /// A label no table lists, kept (as printable ASCII) so it can be reported. It is run
    /// with the card's rules, the protocol every token implements.
    Other(String),
}

/// Number of bytes of EF 0006 that hold the label.
pub const LABEL_LEN: u16 = 32;

impl TokenKind {
    /// Recognise a label. Trailing spaces and NULs are padding.
    pub fn from_label(label: &[u8]) -> Self {
        let label = &label[..label.len().min(usize::from(LABEL_LEN))];
        let end = label
            .iter()
            .rposition(|b| *b != b' ' && *b != 0)
            .map_or(0, |i| i + 1);
        match &label[..end] {
            b"JPKIAPICCTOKEN2" => TokenKind::Card,
            b"JPKIAPGPSETOKEN" => TokenKind::Android,
            b"JPKIAPIOSTOKEN" => TokenKind::IPhone,
            other => TokenKind::Other(
                other
                    .iter()
                    .map(|b| {
                        if b.is_ascii_graphic() || *b == b' ' {
                            char::from(*b)
                        } else {
                            '?'
                        }
                    })
                    .collect(),
            ),
        }
    }

    /// Android serves the authentication certificate only after a successful VERIFY
    /// (myna sends the PIN first for this token), so the flow reads it after the PIN.
    pub fn needs_pin_before_certificate(&self) -> bool {
        matches!(self, TokenKind::Android)
    }

    /// The iPhone profile expects `80 FC 00 00` (last-command indicator) to end the session;
    /// physical cards reject it with 6700, so only the iPhone gets it.
    pub fn wants_last_command_indicator(&self) -> bool {
        matches!(self, TokenKind::IPhone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(name: &[u8], pad: u8) -> Vec<u8> {
        let mut label = name.to_vec();
        label.resize(32, pad);
        label
    }

    #[test]
    fn recognises_the_three_known_labels_with_any_padding() {
        assert_eq!(
            TokenKind::from_label(&padded(b"JPKIAPICCTOKEN2", b' ')),
            TokenKind::Card
        );
        assert_eq!(
            TokenKind::from_label(&padded(b"JPKIAPGPSETOKEN", 0)),
            TokenKind::Android
        );
        assert_eq!(TokenKind::from_label(b"JPKIAPIOSTOKEN"), TokenKind::IPhone);
    }

    #[test]
    fn keeps_unknown_labels_printable() {
        assert_eq!(
            TokenKind::from_label(b"JPKIAPICCTOKEN\x01  "),
            TokenKind::Other("JPKIAPICCTOKEN?".into())
        );
        assert_eq!(
            TokenKind::from_label(&[0xFF; 40]),
            TokenKind::Other("?".repeat(32))
        );
    }

    #[test]
    fn quirks_belong_to_their_token_only() {
        let all = [
            TokenKind::Card,
            TokenKind::Android,
            TokenKind::IPhone,
            TokenKind::Other("X".into()),
        ];
        let pin_first: Vec<bool> = all
            .iter()
            .map(TokenKind::needs_pin_before_certificate)
            .collect();
        let indicator: Vec<bool> = all
            .iter()
            .map(TokenKind::wants_last_command_indicator)
            .collect();
        assert_eq!(pin_first, [false, true, false, false]);
        assert_eq!(indicator, [false, false, true, false]);
    }
}
