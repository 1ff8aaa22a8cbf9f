//! Text made safe for a terminal. Sentences come from scraped pages and file names from
//! anywhere, and reports quote strings from model files: an escape sequence among them
//! could recolour, retitle or clear the reader's terminal, and a bidirectional override
//! re-order what it shows. Every stage that puts such text in a message or a report goes
//! through these.

use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as it is. Control characters, since ESC starts the
/// escape sequences that recolour, retitle or clear a terminal. And the bidirectional
/// embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), since each re-orders
/// what follows it on screen until its closing character, so that a scraped sentence or a
/// file name could show the reader other text than it holds ("Trojan Source"). The marks
/// U+200E, U+200F and U+061C (LRM, RLM, ALM) stay: they give a direction to punctuation and
/// digits beside them but cannot reverse letters, and Arabic and Hebrew copy uses them, where
/// a U+FFFD would litter every such sentence.
pub fn unsafe_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with the characters of [`unsafe_on_terminal`] other than line ends and tabs shown
/// as U+FFFD: for reports that quote file names and strings from model files, where an escape
/// sequence would otherwise reach the terminal (retitle it, clear the screen).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| unsafe_on_terminal(c) && c != '\n' && c != '\t';
    if text.contains(unsafe_char) {
        text.replace(unsafe_char, "\u{FFFD}").into()
    } else {
        text.into()
    }
}

/// JSON text with the characters of [`unsafe_on_terminal`] other than line ends written as
/// `\uXXXX` escapes, for JSON reports on standard output: the same data to a JSON reader,
/// where [`printable`] would change the strings, and nothing a terminal acts on. (Outside
/// strings, JSON holds only printable ASCII and white space, and serde_json escapes C0
/// controls itself, but not DEL, C1 controls or bidirectional controls.)
pub fn json_printable(json: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| unsafe_on_terminal(c) && c != '\n';
    if !json.contains(unsafe_char) {
        return json.into();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if unsafe_char(c) {
            // Every such character is in the Basic Multilingual Plane: one escape.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Text for one line of a terminal (a table row, an error message): line breaks and tabs
/// collapse to spaces, and the other characters of [`unsafe_on_terminal`] show as U+FFFD,
/// since an escape sequence in scraped text or a file name could otherwise recolour or clear
/// the reader's terminal, and a bidirectional override re-order the row.
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(unsafe_on_terminal) {
        text.split_whitespace()
            .map(|word| word.replace(unsafe_on_terminal, "\u{FFFD}"))
            .collect::<Vec<_>>()
            .join(" ")
            .into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_text_keeps_to_one_row_and_shows_no_control_codes() {
        assert_eq!(one_line("Talks resumed."), "Talks resumed.");
        assert_eq!(one_line("Talks\n\tresumed."), "Talks resumed.");
        // ESC [2J clears a terminal; it shows as U+FFFD instead.
        assert_eq!(
            one_line("Talks\x1b[2J resumed.\r"),
            "Talks\u{FFFD}[2J resumed."
        );
    }

    /// A right-to-left override (U+202E) would show "evil" reversed, and everything after
    /// it up to U+202C; embeddings and isolates re-order likewise. The marks stay.
    #[test]
    fn bidirectional_controls_show_as_replacement_characters() {
        for control in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            let text = format!("Then {control}evil. Done.");
            let shown = "Then \u{FFFD}evil. Done.";
            assert_eq!(one_line(&text), shown, "{control:?}");
            assert_eq!(printable(&text), shown, "{control:?}");
            assert_eq!(printable(&format!("{text}\n\t")), format!("{shown}\n\t"));
        }
        for mark in ['\u{200E}', '\u{200F}', '\u{061C}'] {
            let text = format!("\u{05E9}\u{05DC}\u{05D5}\u{05DD}{mark} 2024.");
            assert_eq!(one_line(&text), text);
            assert_eq!(printable(&text), text);
        }
    }
}
