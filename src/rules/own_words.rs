//! A text fact's writer's own words: the lines of a message that are not quoted replies,
//! forwarded mail, signature disclaimers or, in a chat transcript, the agent's and the bot's
//! lines (`own_words` on a text fact in `[facts]`, docs/rules.md). Keyword lists say which lines
//! those are, so the words stay with the fraud and privacy teams' data, in every language.

use super::KeywordList;
use crate::value::text::{fold, word_starts};
use serde::Serialize;

/// Which keyword lists mark the lines of a text that are not its writer's words (indexes into
/// `RulePack::keyword_lists`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OwnWords {
    /// A line that starts with one of these (`-----Original Message-----`, a confidentiality
    /// notice, a forwarded message's header) ends the writer's words: it and every line after it.
    pub cut_at: Option<u16>,
    /// A line that ends with `:` and holds one of these (`On 3 June, Shop wrote:`) ends the
    /// writer's words like `cut_at`.
    pub reply_header: Option<u16>,
    /// Speaker labels of others in a transcript (`Agent (Nina):`, `Bot:`): their lines, and the
    /// unlabelled lines after them, are not the writer's.
    pub others: Option<u16>,
    /// Speaker labels of the writer (`Customer:`, `Kunde:`). Speaker labels count only in a
    /// transcript: a text with two lines labelled by `others`, or one labelled by `others` and
    /// one by `writer`.
    pub writer: Option<u16>,
    /// Who else speaks in a line (`my friend`, `someone on a forum`, `schreibt einer`): a line
    /// that names one outside its quotation marks (`"…"`, `“…”`, `„…“`, `«…»`) is read without
    /// them — what the friend said is theirs.
    pub quoted_by: Option<u16>,
}

impl OwnWords {
    /// The writer's own lines of `raw`, or `None` when every line is theirs. Lines starting with
    /// `>` are quoted and never the writer's.
    #[must_use]
    pub fn keep(&self, lists: &[KeywordList], raw: &str) -> Option<String> {
        let lines: Vec<Line> = raw.lines().map(|text| Line::new(text, lists, self)).collect();
        // A transcript: someone else's label, and the writer's label or someone else's twice.
        let others = lines.iter().filter(|line| line.speaker == Some(Speaker::Others)).count();
        let transcript = others > 1 || (others == 1 && lines.iter().any(|line| line.speaker == Some(Speaker::Writer)));
        // Other users' comments count as others' only beside lines of the writer's own.
        let writer_speaks = lines.iter().any(|line| !line.quoted && !line.comment && !line.text.trim().is_empty());
        let mut own = String::new();
        let mut removed = false;
        let mut others_speaking = false;
        for line in &lines {
            if line.quoted || (line.comment && writer_speaks) {
                removed = true;
                continue;
            }
            if line.ends_own_words {
                removed = true;
                break;
            }
            if transcript && let Some(speaker) = line.speaker {
                others_speaking = speaker == Speaker::Others;
            }
            if others_speaking {
                removed = true;
                continue;
            }
            match without_attributed_quotes(line.text, lists, self.quoted_by) {
                Some(outside) => {
                    own.push_str(&outside);
                    removed = true;
                }
                None => own.push_str(line.text),
            }
            own.push('\n');
        }
        removed.then_some(own)
    }
}

/// One line of a text, read for [`OwnWords::keep`].
struct Line<'a> {
    text: &'a str,
    quoted: bool,
    /// Another user's comment or the shop's reply quoted in a public thread as the CRM imports
    /// it: `↳ @name: …`, `@name: …`, `@name wrote: "…"`.
    comment: bool,
    ends_own_words: bool,
    speaker: Option<Speaker>,
}

/// Who a line's label (`Agent (Nina):`, `Kunde:`, `Anna:`) says is speaking.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Speaker {
    /// A label of `others`.
    Others,
    /// A label of `writer`.
    Writer,
    /// Another label: the writer's in a transcript.
    Unlisted,
}

impl<'a> Line<'a> {
    fn new(text: &'a str, lists: &[KeywordList], own_words: &OwnWords) -> Line<'a> {
        let folded = fold(text);
        let starts = word_starts(&folded);
        // The line's first letter: timestamps, brackets and dashes before it do not count.
        let first = folded.find(char::is_alphabetic);
        let found = |list: Option<u16>, at_start: bool| -> bool {
            list.and_then(|index| lists.get(usize::from(index)))
                .is_some_and(|list| holds(list, &folded, &starts, at_start, first))
        };
        // A speaker label ends with `:` soon after the line's first letter (`Agent (Nina): …`).
        let labelled = first.is_some_and(|first| folded[first..].find(':').is_some_and(|colon| colon <= 24));
        // In a transcript any other label is the writer's too (`Clienta:`, the writer's name),
        // but only a listed one makes a text a transcript.
        let speaker = if !labelled {
            None
        } else if found(own_words.others, true) {
            Some(Speaker::Others)
        } else if found(own_words.writer, true) {
            Some(Speaker::Writer)
        } else {
            Some(Speaker::Unlisted)
        };
        Line {
            text,
            quoted: folded.starts_with('>'),
            comment: handle_label(text).is_some_and(|label| label.is_empty() || found(own_words.reply_header, false)),
            ends_own_words: found(own_words.cut_at, true)
                || (folded.ends_with(':') && found(own_words.reply_header, false)),
            speaker,
        }
    }
}

/// Whether `list` has a term in `folded`; `at_start`: only one starting at `first` (the line's
/// first letter). One matcher call for every reading here: each closure type would be its own copy.
fn holds(list: &KeywordList, folded: &str, starts: &[u32], at_start: bool, first: Option<usize>) -> bool {
    let mut hit = false;
    list.matcher.find_all(folded, starts, |_, offset| hit |= !at_start || Some(offset) == first);
    hit
}

/// `line` without the quotations whose sentence names someone else (`quoted_by`) outside them, or
/// `None` when no quotation is someone else's. One pass over the chars and byte searches for the
/// ASCII sentence ends: no `str` patterns, each of which costs the widget its own searcher.
fn without_attributed_quotes(line: &str, lists: &[KeywordList], quoted_by: Option<u16>) -> Option<String> {
    let list = lists.get(usize::from(quoted_by?))?;
    let named = |text: &str| {
        let folded = fold(text);
        holds(list, &folded, &word_starts(&folded), false, None)
    };
    let bytes = line.as_bytes();
    let sentence_end = |byte: &u8| matches!(byte, b'.' | b'!' | b'?');
    let mut out = String::new();
    let mut copied = 0;
    let mut open: Option<(usize, char)> = None;
    for (at, c) in line.char_indices() {
        let Some((start, opener)) = open else {
            if matches!(c, '"' | '“' | '„' | '«' | '»') {
                open = Some((at, c));
            }
            continue;
        };
        let closes = match opener {
            '«' => c == '»',
            '»' => c == '«',
            _ => matches!(c, '"' | '“' | '”'),
        };
        if !closes {
            continue;
        }
        open = None;
        let end = at + c.len_utf8();
        // The quotation's sentence: from the last `.`, `!` or `?` before it to the next after it.
        let head = bytes[..start].iter().rposition(sentence_end).map_or(0, |stop| stop + 1);
        let tail = bytes[end..].iter().position(sentence_end).map_or(bytes.len(), |stop| end + stop);
        if named(&line[head.max(copied)..start]) || named(&line[end..tail]) {
            out.push_str(&line[copied..start]);
            out.push_str(" … ");
            copied = end;
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&line[copied..]);
    Some(out)
}

/// What stands between a line's leading `@name` and its first `:` (`""` for `@name: …`, `wrote`
/// for `@name wrote: …`), or `None` when the line does not start with a handle followed by a
/// colon within three words (`@shop where is my parcel?`). A leading `↳` (a reply) is skipped.
fn handle_label(text: &str) -> Option<&str> {
    // Bytes, not chars or `str` patterns: the widget pays for every searcher and Unicode table.
    // Bytes from 0x80 up are the letters of a non-ASCII handle (`@józef`), so slices stay on char
    // boundaries.
    let bytes = text.as_bytes();
    let mut at = bytes.iter().position(|&byte| byte != b' ' && byte != b'\t')?;
    if bytes[at..].starts_with("↳".as_bytes()) {
        at += "↳".len();
        at += bytes[at..].iter().position(|&byte| byte != b' ')?;
    }
    if bytes[at] != b'@' {
        return None;
    }
    let handle = at + 1;
    let end = handle
        + bytes[handle..]
            .iter()
            .position(|&byte| !(byte.is_ascii_alphanumeric() || byte >= 0x80 || matches!(byte, b'_' | b'.' | b'-')))
            .unwrap_or(bytes.len() - handle);
    let colon = end + bytes[end..].iter().position(|&byte| byte == b':')?;
    let label = text[end..colon].trim_ascii();
    let sentence = label.bytes().any(|byte| matches!(byte, b'.' | b'!' | b'?' | b','));
    (end > handle && label.split_ascii_whitespace().count() <= 3 && !sentence).then_some(label)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use crate::compile_source;
    use crate::rules::RulePack;

    const PACK: &str = r#"
schema_version = 1
[pack]
id = "t"
version = "1"
[score]
combine = "sum"
[bands]
medium = 30
high = 60
critical = 85
[decisions.reason_codes]
OK = "ok"
[[decisions.outcomes]]
id = "close"
label = "Close"
reason_codes = ["OK"]
requires_second_approval = false
[facts]
"customer.message" = { type = "text", own_words = { cut_at = "keywords.below", reply_header = "keywords.wrote", others = "keywords.agent", writer = "keywords.customer", quoted_by = "keywords.friend" } }
[keywords.below]
any = ["original message", "this email is confidential"]
[keywords.wrote]
any = ["wrote", "schrieb"]
[keywords.agent]
any = ["agent", "bot"]
[keywords.customer]
any = ["customer"]
[keywords.friend]
any = ["my friend", "someone"]
[[rules]]
id = "R"
category = "privacy"
title = "t"
rationale = "r"
source = "https://example.com"
points = 10
when = "customer.message contains 'x'"
"#;

    fn own(pack: &RulePack, text: &str) -> Option<String> {
        pack.facts[0].own_words.as_ref().unwrap().keep(&pack.keyword_lists, text)
    }

    #[test]
    fn quotes_forwards_and_notices_end_the_writers_words() {
        let pack = compile_source("t.toml", PACK).unwrap();
        assert_eq!(own(&pack, "Please delete my data.\nThanks, Ann"), None, "all lines are the writer's");
        assert_eq!(
            own(&pack, "Please delete my data.\n\nOn 3 June, Shop <care@shop.example> wrote:\n> we keep your data"),
            Some("Please delete my data.\n\n".to_owned())
        );
        assert_eq!(own(&pack, "Am 3. Juni schrieb Shop:\nIhre Daten"), Some(String::new()));
        // A header that does not end with ":" is a sentence, not a header.
        assert_eq!(own(&pack, "My friend wrote that you sell fakes."), None);
        assert_eq!(
            own(&pack, "Size 12 please.\n-----Original Message-----\nFrom: Shop\nright to erasure"),
            Some("Size 12 please.\n".to_owned())
        );
        assert_eq!(
            own(&pack, "Size 12 please.\nRegards\nCONFIDENTIALITY: This email is confidential. Delete it."),
            None,
            "a notice counts only at its line's first letter"
        );
        assert_eq!(
            own(&pack, "Size 12 please.\nRegards\nThis email is confidential. Delete it."),
            Some("Size 12 please.\nRegards\n".to_owned())
        );
        // `>` lines are quoted wherever they are; the writer's lines after them stay.
        assert_eq!(
            own(&pack, "> On Mon, Care wrote:\n> your details were updated\n\nno they were not, correct my name"),
            Some("\nno they were not, correct my name\n".to_owned())
        );
    }

    #[test]
    fn other_users_comments_in_a_public_thread_are_theirs() {
        let pack = compile_source("t.toml", PACK).unwrap();
        assert_eq!(
            own(&pack, "@jenny wrote: \"report them to the authority!\"\n\nnah it's fine, refund landed"),
            Some("\nnah it's fine, refund landed\n".to_owned())
        );
        assert_eq!(
            own(&pack, "Delete my account now.\n\n↳ @shop_care: Hi, please send us a DM 🙂\n↳ @lu.fdz : same here"),
            Some("Delete my account now.\n\n".to_owned())
        );
        // A handle the writer addresses is no quoted comment; a line of a comment alone is the writer's.
        assert_eq!(own(&pack, "@shop 3 emails, zero answers: delete my data.\nThanks"), None);
        assert_eq!(own(&pack, "@shop said nothing. Delete my data."), None);
        assert_eq!(own(&pack, "@shop: delete my data."), None);
        // Another label before the colon is a sentence, not a reply header.
        assert_eq!(own(&pack, "@ann told me: delete it\nok"), None);
    }

    #[test]
    fn someone_elses_words_in_quotation_marks_are_theirs() {
        let pack = compile_source("t.toml", PACK).unwrap();
        assert_eq!(
            own(&pack, "My friend said \"go to the papers!\" lol. Where is my parcel?"),
            Some("My friend said  …  lol. Where is my parcel?\n".to_owned())
        );
        assert_eq!(
            own(&pack, "„Ab zum Anwalt!“ schreibt someone, «fake» too.\nSize 40 please"),
            Some(" …  schreibt someone,  …  too.\nSize 40 please\n".to_owned())
        );
        // Nobody else named: quotation marks are the writer's own (a repeated request, a name).
        assert_eq!(own(&pack, "I wrote \"delete my account\" twice. Do it."), None);
        // An unclosed quotation mark is no quotation; a quotation in another sentence is the writer's.
        assert_eq!(own(&pack, "My friend's 15\" laptop bag is fake"), None);
        assert_eq!(
            own(&pack, "I sent it to \"Watchdog\". Tell me when someone looks at it. My friend: \"sue\""),
            Some("I sent it to \"Watchdog\". Tell me when someone looks at it. My friend:  … \n".to_owned())
        );
    }

    #[test]
    fn in_a_transcript_the_agents_and_bots_lines_are_theirs() {
        let pack = compile_source("t.toml", PACK).unwrap();
        let transcript = "[14:02] Bot: Hi! Our privacy notice explains your right of access.\n\
                          [14:02] Customer: I need a new return label\n\
                          Agent (Nina): Sent. Delete the old one.\n\
                          it is in your inbox\n\
                          Customer: thanks";
        assert_eq!(
            own(&pack, transcript),
            Some("[14:02] Customer: I need a new return label\nCustomer: thanks\n".to_owned())
        );
        // Two agent labels make a transcript; an unlisted label (the writer's name) is the writer.
        assert_eq!(
            own(&pack, "Agent: Hello\nClienta: borrad mis datos\nAgent: ok"),
            Some("Clienta: borrad mis datos\n".to_owned())
        );
        // One agent label without the writer's is no transcript: a line that mentions an agent
        // keeps the lines after it.
        assert_eq!(own(&pack, "Agent said: wait a week.\nI waited. Delete my account now."), None);
        // A label ends soon after the line's first letter.
        assert_eq!(
            own(&pack, "Agent who answered me last Tuesday on the phone: rude\nCustomer: delete my data\nAgent: ok"),
            Some("Agent who answered me last Tuesday on the phone: rude\nCustomer: delete my data\n".to_owned())
        );
    }

    #[test]
    fn own_words_names_keyword_lists_of_a_text_fact() {
        let bad = PACK.replace("cut_at = \"keywords.below\"", "cut_at = \"keywords.nope\"").replace(
            "\"customer.message\" = { type = \"text\"",
            "\"other\" = { type = \"int\", own_words = {} }\n\"customer.message\" = { type = \"text\"",
        );
        let errors = compile_source("t.toml", &bad).unwrap_err().to_string();
        assert!(
            errors
                .contains("`cut_at` of `own_words` of fact `customer.message` names no keyword list: `keywords.nope`"),
            "{errors}"
        );
        assert!(errors.contains("`own_words` is only allowed for `type = \"text\"`"), "{errors}");
        assert!(errors.contains("t.toml:"), "errors carry line:col: {errors}");
    }
}
