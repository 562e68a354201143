//! The manifest's TOML as a spanned tree: every key and value with the byte
//! range it was written at, for diagnostics that point at the place.
//!
//! [`parse`] reads a document in one pass over the events of `toml_parser`
//! (the parser the `toml` crate itself runs), building compact tables: a
//! sorted `Vec` per table instead of a `BTreeMap` whose every leaf takes a
//! kilobyte, no list of events, and the tokens lexed a stretch at a time
//! rather than all before the parser starts. That pass takes
//! only the documents it is sure of. At the first error, and at anything it
//! does not build itself (a dotted key reaching into a table its header
//! defined, a duplicate key or table, ...), it gives up and the document is
//! parsed again by `toml`'s own [`DeTable::parse_recoverable`], whose tree is
//! converted and whose errors are returned: every error a user sees is
//! `toml`'s, and a document the quick pass takes gives the same tree, spans
//! included, as `toml` would (the differential tests below and a property
//! test hold it to that).

use std::borrow::Cow;
use std::fmt::Write as _;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use toml::value::Datetime;
use toml_parser::decoder::{Encoding, ScalarKind};
use toml_parser::parser::{EventReceiver, RecursionGuard, ValidateWhitespace};
use toml_parser::{ErrorSink, ParseError, Raw, Source, Span};

/// A key as written: its decoded name and where it is.
pub type Key<'i> = Spanned<Cow<'i, str>>;
/// A value and where it is.
pub type Node<'i> = Spanned<Value<'i>>;
/// An array's items.
pub type Array<'i> = Vec<Node<'i>>;

/// A TOML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'i> {
    /// A string, escapes decoded.
    String(Cow<'i, str>),
    /// An integer.
    Integer(Integer<'i>),
    /// A float.
    Float(Float<'i>),
    /// `true` or `false`.
    Boolean(bool),
    /// A date, time or both.
    Datetime(Datetime),
    /// `[ ... ]`, or the tables of `[[...]]` headers.
    Array(Array<'i>),
    /// `{ ... }`, or a table of headers and dotted keys.
    Table(Table<'i>),
}

impl<'i> Value<'i> {
    /// The table, when the value is one.
    pub fn as_table(&self) -> Option<&Table<'i>> {
        match self {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The string, when the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The name of the value's type, as `toml` names it in messages.
    pub fn type_str(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Integer(_) => "integer",
            Value::Float(_) => "float",
            Value::Boolean(_) => "boolean",
            Value::Datetime(_) => "datetime",
            Value::Array(_) => "array",
            Value::Table(_) => "table",
        }
    }
}

/// An integer as written (without `_` separators or its radix prefix).
#[derive(Clone, Debug, PartialEq)]
pub struct Integer<'i> {
    digits: Cow<'i, str>,
    radix: u32,
}

impl Integer<'_> {
    /// The digits, for `i64::from_str_radix` with [`Integer::radix`].
    pub fn as_str(&self) -> &str {
        &self.digits
    }
    /// 2, 8, 10 or 16.
    pub fn radix(&self) -> u32 {
        self.radix
    }
}

/// A float as written (without `_` separators).
#[derive(Clone, Debug, PartialEq)]
pub struct Float<'i> {
    text: Cow<'i, str>,
}

impl Float<'_> {
    /// The text, for `str::parse::<f64>`.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// A table: its entries sorted by key (the order `toml`'s tables iterate in).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table<'i> {
    entries: Vec<(Key<'i>, Node<'i>)>,
}

impl<'i> Table<'i> {
    /// An empty table.
    pub fn new() -> Self {
        Table::default()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|(k, _)| k.get_ref().as_ref().cmp(key))
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<&Node<'i>> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value at `key`, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node<'i>> {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// The key as written and the value at `key`.
    pub fn get_key_value(&self, key: &str) -> Option<(&Key<'i>, &Node<'i>)> {
        self.find(key)
            .ok()
            .map(|i| (&self.entries[i].0, &self.entries[i].1))
    }

    /// Whether `key` is in the table.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaces; a key already
    /// there keeps its place (as a `BTreeMap`'s does).
    pub fn insert(&mut self, key: Key<'i>, value: Node<'i>) -> Option<Node<'i>> {
        match self.find(key.get_ref()) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Takes `key` out of the table.
    pub fn remove(&mut self, key: &str) -> Option<Node<'i>> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// The entries in key order.
    pub fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&Key<'i>, &Node<'i>)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &Key<'i>> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A table of entries already sorted by key, each key once.
    fn from_sorted(entries: Vec<(Key<'i>, Node<'i>)>) -> Self {
        debug_assert!(
            entries
                .windows(2)
                .all(|w| w[0].0.get_ref() < w[1].0.get_ref())
        );
        Table { entries }
    }
}

impl<'a, 'i> IntoIterator for &'a Table<'i> {
    type Item = (&'a Key<'i>, &'a Node<'i>);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Key<'i>, Node<'i>)>,
        fn(&'a (Key<'i>, Node<'i>)) -> (&'a Key<'i>, &'a Node<'i>),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<'i> IntoIterator for Table<'i> {
    type Item = (Key<'i>, Node<'i>);
    type IntoIter = std::vec::IntoIter<(Key<'i>, Node<'i>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

/// Parses a TOML document: the root table (spanned `0..0`, as `toml` does)
/// and the syntax errors, none when the document is valid. With errors the
/// tree is `toml`'s best-effort recovery, like
/// [`DeTable::parse_recoverable`]'s.
pub fn parse(text: &str) -> (Spanned<Table<'_>>, Vec<toml::de::Error>) {
    if let Some(root) = quick(text) {
        return (Spanned::new(0..0, root), Vec::new());
    }
    let (root, errors) = DeTable::parse_recoverable(text);
    let span = root.span();
    (Spanned::new(span, from_toml(root.into_inner())), errors)
}

/// `toml`'s tree as ours.
fn from_toml(t: DeTable<'_>) -> Table<'_> {
    Table::from_sorted(
        t.into_iter()
            .map(|(k, v)| {
                let span = v.span();
                (k, Spanned::new(span, value_from_toml(v.into_inner())))
            })
            .collect(),
    )
}

fn value_from_toml(v: DeValue<'_>) -> Value<'_> {
    match v {
        DeValue::String(s) => Value::String(s),
        DeValue::Integer(i) => Value::Integer(Integer {
            digits: Cow::Owned(i.as_str().to_string()),
            radix: i.radix(),
        }),
        DeValue::Float(f) => Value::Float(Float {
            text: Cow::Owned(f.as_str().to_string()),
        }),
        DeValue::Boolean(b) => Value::Boolean(b),
        DeValue::Datetime(d) => Value::Datetime(d),
        DeValue::Array(a) => Value::Array(
            a.into_iter()
                .map(|v| {
                    let span = v.span();
                    Spanned::new(span, value_from_toml(v.into_inner()))
                })
                .collect(),
        ),
        DeValue::Table(t) => Value::Table(from_toml(t)),
    }
}

/// The nesting `toml` allows (its own limit).
const DEPTH: u32 = 80;

/// The quick pass: the tree, or `None` for `toml` to parse the document.
fn quick(text: &str) -> Option<Table<'_>> {
    quick_in(text, CHUNK)
}

/// Tokens lexed before the parser runs on them. The document is parsed a
/// stretch at a time, so its tokens are never all in memory at once: they
/// take 24 bytes each, about 0.3 a byte of a generated manifest, and
/// `toml_parser`'s own list reserves 2 in 7 and doubles when that is short
/// (3.5 MB for a 256 KB manifest, half of it copied). Measured on 10,000
/// services' manifest: `validate` took 20,737 page faults with the whole
/// list, 16,196 without.
const CHUNK: usize = 4096;

/// The quick pass, running the parser on `chunk` or more tokens at a time.
///
/// A stretch ends at a newline outside every bracket and brace: where, in a
/// document without an error so far, one top-level expression has ended and
/// the parser is back at the start of its loop, with nothing held over (its
/// loop keeps no state between expressions; the receivers here keep theirs
/// across calls). Brackets and braces inside strings and comments are part
/// of those tokens, not counted. A document with an error is left to `toml`
/// whatever the stretches were; the tests run with `chunk` 1, a stretch at
/// every such newline, against `toml`'s parse of the whole.
fn quick_in(text: &str, chunk: usize) -> Option<Table<'_>> {
    use toml_parser::lexer::TokenKind;
    let source = Source::new(text);
    let mut b = Build::new(text);
    let mut sink = Failed(false);
    {
        let mut ws = ValidateWhitespace::new(&mut b, source);
        let mut guarded = RecursionGuard::new(&mut ws, DEPTH);
        let mut tokens = Vec::with_capacity(chunk.saturating_add(64).min(1 << 16));
        let mut depth = 0i64;
        for token in source.lex() {
            let kind = token.kind();
            tokens.push(token);
            match kind {
                TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => depth += 1,
                TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => depth -= 1,
                TokenKind::Newline if depth == 0 && tokens.len() >= chunk => {
                    toml_parser::parser::parse_document(&tokens, &mut guarded, &mut sink);
                    tokens.clear();
                    if sink.0 {
                        return None;
                    }
                }
                _ => {}
            }
        }
        toml_parser::parser::parse_document(&tokens, &mut guarded, &mut sink);
    }
    let unfinished =
        b.header.is_some() || !b.open.is_empty() || b.pending.is_some() || !b.keys.is_empty();
    if sink.0 || b.failed || unfinished {
        return None;
    }
    Some(b.finish())
}

/// An error sink that only remembers that there was one.
struct Failed(bool);

impl ErrorSink for Failed {
    fn report_error(&mut self, _error: ParseError) {
        self.0 = true;
    }
}

/// How a table came to be, which decides what may add to it later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Made {
    /// The root, or a table defined by its `[header]` or `[[header]]`.
    Defined,
    /// On the way to a header's table (`a` of `[a.b]`): a later `[a]` may define it.
    Implicit,
    /// By a dotted key in a section (`a` of `a.b = 1`): more dotted keys may add to it.
    Dotted,
    /// An inline table `{ ... }`: closed once written.
    Inline,
    /// By a dotted key inside an inline table.
    InlineDotted,
}

/// A value being built: containers are in the arenas, so that a table can be
/// added to after other tables are made.
enum Slot<'i> {
    Leaf(Value<'i>),
    Table(usize),
    Array(usize),
}

struct Tab<'i> {
    made: Made,
    entries: Vec<(Key<'i>, Spanned<Slot<'i>>)>,
    /// Where each key is, once the table is large enough to need it.
    index: Option<foldhash::HashMap<Cow<'i, str>, usize>>,
}

/// Past this many entries a table gets an index.
const INDEXED: usize = 8;

impl<'i> Tab<'i> {
    fn new(made: Made) -> Self {
        Tab {
            made,
            entries: Vec::new(),
            index: None,
        }
    }

    fn find(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|(k, _)| k.get_ref() == key),
        }
    }

    fn push(&mut self, key: Key<'i>, value: Spanned<Slot<'i>>) {
        let at = self.entries.len();
        if let Some(index) = &mut self.index {
            index.insert(key.get_ref().clone(), at);
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() > INDEXED {
            self.index = Some(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.get_ref().clone(), i))
                    .collect(),
            );
        }
    }
}

struct Arr<'i> {
    /// Made by `[[header]]`s (only those may be added to).
    of_tables: bool,
    items: Vec<Spanned<Slot<'i>>>,
}

/// A value being written inside another.
enum Open<'i> {
    Array {
        id: usize,
        start: usize,
    },
    Inline {
        id: usize,
        start: usize,
        /// The key whose value comes next.
        key: Option<Vec<Key<'i>>>,
    },
}

struct Build<'i> {
    text: &'i str,
    tables: Vec<Tab<'i>>,
    arrays: Vec<Arr<'i>>,
    /// The table the current section's keys go in.
    section: usize,
    /// Inside a header: whether it is `[[...]]`, and where it opened.
    header: Option<(bool, usize)>,
    /// The parts of the key being read.
    keys: Vec<Key<'i>>,
    /// A section's key whose value comes next.
    pending: Option<Vec<Key<'i>>>,
    /// Arrays and inline tables being written, innermost last.
    open: Vec<Open<'i>>,
    failed: bool,
}

const ROOT: usize = 0;

impl<'i> Build<'i> {
    fn new(text: &'i str) -> Self {
        Build {
            text,
            tables: vec![Tab::new(Made::Defined)],
            arrays: Vec::new(),
            section: ROOT,
            header: None,
            keys: Vec::new(),
            pending: None,
            open: Vec::new(),
            failed: false,
        }
    }

    fn raw(&self, span: Span, encoding: Option<Encoding>) -> Option<Raw<'i>> {
        let text = self.text.get(span.start()..span.end())?;
        Some(Raw::new_unchecked(text, encoding, span))
    }

    fn new_table(&mut self, made: Made) -> usize {
        self.tables.push(Tab::new(made));
        self.tables.len() - 1
    }

    /// The table at `key` in table `at`, made `made` when there is none;
    /// `None` when what is there may not be added to this way.
    fn descend(&mut self, at: usize, key: &Key<'i>, made: Made) -> Option<usize> {
        let Some(i) = self.tables[at].find(key.get_ref()) else {
            let id = self.new_table(made);
            self.tables[at].push(key.clone(), Spanned::new(key.span(), Slot::Table(id)));
            return Some(id);
        };
        match *self.tables[at].entries[i].1.get_ref() {
            Slot::Table(id) => {
                let there = self.tables[id].made;
                let fits = match made {
                    // A header's path goes through any table not written inline.
                    Made::Implicit => !matches!(there, Made::Inline | Made::InlineDotted),
                    // Dotted keys add only to what dotted keys made.
                    _ => there == made,
                };
                fits.then_some(id)
            }
            // A header's path goes into the last table of `[[...]]`s.
            Slot::Array(id) if made == Made::Implicit && self.arrays[id].of_tables => {
                match self.arrays[id].items.last().map(|s| s.get_ref()) {
                    Some(Slot::Table(t)) => Some(*t),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `[` or `[[`: a header starts, outside any key or value.
    fn header_open(&mut self, array: bool, open: Span) {
        if self.header.is_some() || !self.open.is_empty() || self.pending.is_some() {
            self.failed = true;
        }
        self.keys.clear();
        self.header = Some((array, open.start()));
    }

    /// `]` or `]]`: the header's table becomes the section keys go in.
    fn header_close(&mut self, closes_array: bool, close: Span) {
        let Some((array, start)) = self.header.take() else {
            self.failed = true;
            return;
        };
        if array != closes_array {
            self.failed = true;
            return;
        }
        let span = start..close.end();
        let mut keys = std::mem::take(&mut self.keys);
        let Some(last) = keys.pop() else {
            self.failed = true;
            return;
        };
        let mut at = ROOT;
        for k in &keys {
            match self.descend(at, k, Made::Implicit) {
                Some(t) => at = t,
                None => {
                    self.failed = true;
                    return;
                }
            }
        }
        let found = self.tables[at].find(last.get_ref());
        if array {
            let id = match found {
                None => {
                    self.arrays.push(Arr {
                        of_tables: true,
                        items: Vec::new(),
                    });
                    let id = self.arrays.len() - 1;
                    self.tables[at].push(last, Spanned::new(span.clone(), Slot::Array(id)));
                    id
                }
                Some(i) => match *self.tables[at].entries[i].1.get_ref() {
                    Slot::Array(id) if self.arrays[id].of_tables => id,
                    _ => {
                        self.failed = true;
                        return;
                    }
                },
            };
            let t = self.new_table(Made::Defined);
            self.arrays[id]
                .items
                .push(Spanned::new(span, Slot::Table(t)));
            self.section = t;
        } else {
            match found {
                None => {
                    let t = self.new_table(Made::Defined);
                    self.tables[at].push(last, Spanned::new(span, Slot::Table(t)));
                    self.section = t;
                }
                Some(i) => match *self.tables[at].entries[i].1.get_ref() {
                    // `[a.b]` then `[a]`: `a` is defined now, where its header is.
                    Slot::Table(t) if self.tables[t].made == Made::Implicit => {
                        self.tables[at].entries[i] = (last, Spanned::new(span, Slot::Table(t)));
                        self.tables[t].made = Made::Defined;
                        self.section = t;
                    }
                    _ => self.failed = true,
                },
            }
        }
    }

    /// A complete value: an array's next item, or the value of the key read
    /// before it.
    fn value(&mut self, span: std::ops::Range<usize>, slot: Slot<'i>) {
        let value = Spanned::new(span, slot);
        let (table, keys, dotted) = match self.open.last_mut() {
            Some(Open::Array { id, .. }) => {
                self.arrays[*id].items.push(value);
                return;
            }
            Some(Open::Inline { id, key, .. }) => (*id, key.take(), Made::InlineDotted),
            None => (self.section, self.pending.take(), Made::Dotted),
        };
        let Some(mut keys) = keys else {
            self.failed = true;
            return;
        };
        let Some(last) = keys.pop() else {
            self.failed = true;
            return;
        };
        let mut at = table;
        for k in &keys {
            match self.descend(at, k, dotted) {
                Some(t) => at = t,
                None => {
                    self.failed = true;
                    return;
                }
            }
        }
        if self.tables[at].find(last.get_ref()).is_some() {
            self.failed = true;
            return;
        }
        self.tables[at].push(last, value);
    }

    /// The built tree: each table's entries sorted by key.
    fn finish(mut self) -> Table<'i> {
        let mut tables: Vec<Option<Tab<'i>>> = self.tables.drain(..).map(Some).collect();
        let mut arrays: Vec<Option<Arr<'i>>> = self.arrays.drain(..).map(Some).collect();
        take_table(&mut tables, &mut arrays, ROOT)
    }
}

/// Moves table `id` out of the arenas as a [`Table`] (each table and array
/// is reached once: the arenas are a tree).
fn take_table<'i>(
    tables: &mut [Option<Tab<'i>>],
    arrays: &mut [Option<Arr<'i>>],
    id: usize,
) -> Table<'i> {
    let Some(tab) = tables.get_mut(id).and_then(Option::take) else {
        return Table::new();
    };
    let mut entries: Vec<(Key<'i>, Node<'i>)> = tab
        .entries
        .into_iter()
        .map(|(k, v)| {
            let span = v.span();
            (
                k,
                Spanned::new(span, take_slot(tables, arrays, v.into_inner())),
            )
        })
        .collect();
    entries.sort_unstable_by(|a, b| a.0.get_ref().cmp(b.0.get_ref()));
    Table::from_sorted(entries)
}

fn take_slot<'i>(
    tables: &mut [Option<Tab<'i>>],
    arrays: &mut [Option<Arr<'i>>],
    slot: Slot<'i>,
) -> Value<'i> {
    match slot {
        Slot::Leaf(v) => v,
        Slot::Table(id) => Value::Table(take_table(tables, arrays, id)),
        Slot::Array(id) => {
            let items = arrays
                .get_mut(id)
                .and_then(Option::take)
                .map(|a| a.items)
                .unwrap_or_default();
            Value::Array(
                items
                    .into_iter()
                    .map(|v| {
                        let span = v.span();
                        Spanned::new(span, take_slot(tables, arrays, v.into_inner()))
                    })
                    .collect(),
            )
        }
    }
}

impl<'i> EventReceiver for Build<'i> {
    fn std_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.header_open(false, span);
    }

    fn std_table_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.header_close(false, span);
    }

    fn array_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.header_open(true, span);
    }

    fn array_table_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.header_close(true, span);
    }

    fn inline_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) -> bool {
        let id = self.new_table(Made::Inline);
        self.open.push(Open::Inline {
            id,
            start: span.start(),
            key: None,
        });
        true
    }

    fn inline_table_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        match self.open.pop() {
            Some(Open::Inline { id, start, key }) => {
                if key.is_some() || !self.keys.is_empty() {
                    self.failed = true;
                }
                self.value(start..span.end(), Slot::Table(id));
            }
            _ => self.failed = true,
        }
    }

    fn array_open(&mut self, span: Span, _error: &mut dyn ErrorSink) -> bool {
        self.arrays.push(Arr {
            of_tables: false,
            items: Vec::new(),
        });
        self.open.push(Open::Array {
            id: self.arrays.len() - 1,
            start: span.start(),
        });
        true
    }

    fn array_close(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        match self.open.pop() {
            Some(Open::Array { id, start }) => self.value(start..span.end(), Slot::Array(id)),
            _ => self.failed = true,
        }
    }

    fn simple_key(&mut self, span: Span, encoding: Option<Encoding>, error: &mut dyn ErrorSink) {
        let Some(raw) = self.raw(span, encoding) else {
            self.failed = true;
            return;
        };
        let mut name = Cow::Borrowed("");
        raw.decode_key(&mut name, error);
        if self.keys.len() >= DEPTH as usize {
            self.failed = true;
        }
        self.keys.push(Spanned::new(span.start()..span.end(), name));
    }

    fn key_val_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        let keys = std::mem::take(&mut self.keys);
        let slot = match self.open.last_mut() {
            Some(Open::Inline { key, .. }) => key,
            Some(Open::Array { .. }) => {
                self.failed = true;
                return;
            }
            None => &mut self.pending,
        };
        if slot.replace(keys).is_some() || self.header.is_some() {
            self.failed = true;
        }
    }

    fn scalar(&mut self, span: Span, encoding: Option<Encoding>, error: &mut dyn ErrorSink) {
        let Some(raw) = self.raw(span, encoding) else {
            self.failed = true;
            return;
        };
        let mut text = Cow::Borrowed("");
        let value = match raw.decode_scalar(&mut text, error) {
            ScalarKind::String => Value::String(text),
            ScalarKind::Boolean(b) => Value::Boolean(b),
            ScalarKind::DateTime => match text.parse::<Datetime>() {
                Ok(d) => Value::Datetime(d),
                Err(_) => {
                    self.failed = true;
                    return;
                }
            },
            ScalarKind::Float => Value::Float(Float { text }),
            ScalarKind::Integer(radix) => Value::Integer(Integer {
                digits: text,
                radix: radix.value(),
            }),
        };
        self.value(span.start()..span.end(), Slot::Leaf(value));
    }

    fn error(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        self.failed = true;
    }
}

/// The tree with every span, for comparing trees (`PartialEq` of
/// [`Spanned`] ignores spans).
pub fn dump(t: &Table<'_>) -> String {
    let mut out = String::new();
    dump_table(&mut out, t, 0);
    out
}

fn dump_table(out: &mut String, t: &Table<'_>, depth: usize) {
    for (k, v) in t.iter() {
        let _ = write!(
            out,
            "{:depth$}{:?}@{:?} = @{:?} ",
            "",
            k.get_ref(),
            k.span(),
            v.span()
        );
        dump_value(out, v.get_ref(), depth);
    }
}

fn dump_value(out: &mut String, v: &Value<'_>, depth: usize) {
    match v {
        Value::Table(t) => {
            out.push_str("{\n");
            dump_table(out, t, depth + 2);
            let _ = writeln!(out, "{:depth$}}}", "");
        }
        Value::Array(a) => {
            out.push_str("[\n");
            for item in a {
                let _ = write!(out, "{:w$}@{:?} ", "", item.span(), w = depth + 2);
                dump_value(out, item.get_ref(), depth + 2);
            }
            let _ = writeln!(out, "{:depth$}]", "");
        }
        other => {
            let _ = writeln!(out, "{other:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick pass's tree, run on the whole document at once and a
    /// stretch at every newline outside brackets: the same either way.
    fn takes(text: &str) -> Option<Table<'_>> {
        let whole = quick_in(text, usize::MAX);
        let stretches = quick_in(text, 1);
        assert_eq!(
            whole.as_ref().map(dump),
            stretches.as_ref().map(dump),
            "stretches differ for:\n{text}"
        );
        assert_eq!(quick(text).map(|t| dump(&t)), stretches.as_ref().map(dump));
        stretches
    }

    /// The quick pass's tree, and `toml`'s converted, as dumps.
    fn both(text: &str) -> (Option<String>, String) {
        let quick = takes(text).map(|t| dump(&t));
        let (root, errors) = DeTable::parse_recoverable(text);
        assert!(errors.is_empty(), "not valid TOML: {errors:?}\n{text}");
        (quick, dump(&from_toml(root.into_inner())))
    }

    /// Documents the quick pass takes, each the same tree as `toml`'s.
    #[test]
    fn quick_trees_are_tomls() {
        let docs = [
            "",
            "a = 1",
            "env_file = \".env\"\n\n[mounts.kv]\ntype = \"kv\"\noptions = { version = \"2\" }\n",
            "[approles.svc-1]\ntoken_policies = [\"a\", \"b\"]\ntoken_ttl = \"1h\"\n\n[secrets.\"kv/app\"]\nPASSWORD = { env = \"P\" }\nHOST = 'h'\n",
            "[a.b.c]\nx = 1\n[a]\ny = 2\n[a.d]\nz = 3\n",
            "[[policy_tests]]\nprincipal = \"approle:x\"\npath = \"kv/data/x\"\ncan = [\"read\"]\n[[policy_tests]]\nprincipal = \"y\"\n",
            "[[a]]\nx = 1\n[a.sub]\ny = 2\n[[a]]\nx = 3\n",
            "a.b.c = 1\na.b.d = 2\na.e = 'x'\n[t]\nq.r = true\n",
            "t = { a.b = 1, a.c = 2, d = { e = [1, 2.5, \"x\"] } }\n",
            "arr = [ [1, 2], [\"a\", { k = 'v' }], [] ]\n",
            "ints = [0x1F, 0o17, 0b101, 1_000, -5, +7]\nfloats = [1.5, -0.0, 1e10, inf, -inf, nan, 6.626e-34]\n",
            "dates = [1979-05-27T07:32:00Z, 1979-05-27T00:32:00.999999-07:00, 1979-05-27T07:32:00, 1979-05-27, 07:32:00]\n",
            "s = \"esc \\\" \\\\ \\n \\u00e9 \\U0001F600\"\nl = 'lit \\n'\nm = \"\"\"\nmulti\n  line \\\n  joined\"\"\"\nml = '''\nraw\n'''\n",
            "\"quoted key\" = 1\n'lit key' = 2\n\"esc\\tkey\" = 3\nbare-key_1 = 4\n\"\" = 5\n",
            "# comment\n[ a . \"b.c\" ] # trailing\nk = 1 # c\n\n  [ a.d ]\n  k=2\n",
            "k = [\n  1, # one\n  2,\n]\n",
            "[x]\n[y]\n[x.z]\n",
            "\"é\" = 'unicode key'\n[\"ü\"]\nk = \"ü\"\nx = 0x\n",
            "b = true\nc = false\n",
            "t = {a = 1,}\nu = {\n  b = 2, # two\n  c = 3\n}\n",
        ];
        for doc in docs {
            let (quick, toml) = both(doc);
            let quick = quick.unwrap_or_else(|| panic!("the quick pass gave up on:\n{doc}"));
            assert_eq!(quick, toml, "trees differ for:\n{doc}");
        }
    }

    /// What the quick pass leaves to `toml`: invalid documents, and valid
    /// ones it does not build (the tree is then `toml`'s, converted).
    #[test]
    fn quick_gives_up_where_toml_must_decide() {
        let invalid = [
            "a = 1\na = 2\n",
            "[a]\n[a]\n",
            "[a]\nb = 1\n[a.b]\n",
            "a.b = 1\n[a.b]\n",
            "a = 1\n[a.b]\n",
            "t = { a = 1 }\n[t.b]\n",
            "t = { a = 1, a = 2 }\n",
            "arr = [1]\n[[arr]]\n",
            "[[a]]\n[a]\n",
            "[a]\n[[a]]\n",
            "a = \"unterminated\n",
            "a = 1 b = 2\n",
            "= 1\n",
            "a = \n",
            "[a\n",
            "a = 1979-13-45\n",
            "a = \"\\q\"\n",
            "x = [1,,2]\n",
            "a = 1\u{0}\n",
        ];
        for doc in invalid {
            assert!(
                takes(doc).is_none(),
                "the quick pass took invalid TOML:\n{doc:?}"
            );
            let (_, errors) = parse(doc);
            assert!(!errors.is_empty(), "no error for:\n{doc:?}");
            let (_, toml_errors) = DeTable::parse_recoverable(doc);
            assert_eq!(
                errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
                toml_errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            );
        }
        // Valid, and left to toml: dotted keys through a header's tables.
        let valid = ["[a.b.c]\n[a]\nb.d.e = 1\n"];
        for doc in valid {
            let (tree, errors) = parse(doc);
            let (toml, toml_errors) = DeTable::parse_recoverable(doc);
            assert_eq!(errors.len(), toml_errors.len(), "{doc}");
            assert_eq!(dump(tree.get_ref()), dump(&from_toml(toml.into_inner())));
        }
    }

    /// Every TOML file of the project (the example manifest, the fixtures,
    /// Cargo.toml, deny.toml, ...): the valid ones are taken by the quick
    /// pass and give toml's tree; the rest get toml's errors.
    #[test]
    fn the_projects_toml_files_parse_as_toml_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs = vec![root.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("the project's folders are readable") {
                let path = entry.expect("a listed entry").path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if path.is_dir() && !name.starts_with('.') && name != "target" {
                    dirs.push(path);
                } else if name.ends_with(".toml") {
                    files.push(path);
                }
            }
        }
        files.sort();
        let (mut taken, mut invalid) = (0, 0);
        for file in &files {
            let text = std::fs::read_to_string(file).expect("a project file is UTF-8");
            let (toml, errors) = DeTable::parse_recoverable(&text);
            let (tree, ours) = parse(&text);
            assert_eq!(
                ours.iter().map(ToString::to_string).collect::<Vec<_>>(),
                errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "{}",
                file.display()
            );
            assert_eq!(
                dump(tree.get_ref()),
                dump(&from_toml(toml.into_inner())),
                "{}",
                file.display()
            );
            if errors.is_empty() {
                assert!(
                    takes(&text).is_some(),
                    "the quick pass left {} to toml",
                    file.display()
                );
                taken += 1;
            } else {
                invalid += 1;
            }
        }
        assert!(
            taken >= 20 && invalid >= 1,
            "{taken} valid, {invalid} invalid of {files:?}"
        );
    }

    /// Deep nesting, a long dotted key and a 70,000-column line: toml's
    /// limits and errors, no deep recursion in the quick pass.
    #[test]
    fn hostile_documents_get_tomls_answer() {
        let deep = format!("a = {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let dotted = format!("{} = 1\n", vec!["k"; 200].join("."));
        let wide = format!(
            "a = \"{}\"\nb = [{}1]\n",
            "x".repeat(70_000),
            "1, ".repeat(20_000)
        );
        let inline = format!("t = {}1{}\n", "{ a = ".repeat(100), " }".repeat(100));
        for doc in [&deep, &dotted, &inline] {
            assert!(takes(doc).is_none(), "taken past toml's nesting limit");
            let (_, errors) = parse(doc);
            let (_, toml_errors) = DeTable::parse_recoverable(doc);
            assert!(!errors.is_empty());
            assert_eq!(errors.len(), toml_errors.len());
        }
        let (quick, toml) = both(&wide);
        assert_eq!(quick.as_deref(), Some(toml.as_str()));
    }

    #[test]
    fn table_lookups_follow_key_order() {
        let (root, errors) = parse("b = 2\na = 1\nc = 3\n");
        assert!(errors.is_empty());
        let mut t = root.into_inner();
        assert_eq!(
            t.keys().map(|k| k.get_ref().as_ref()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert!(t.contains_key("b") && !t.contains_key("d"));
        let old = t.insert(
            Spanned::new(50..51, Cow::Borrowed("b")),
            Spanned::new(52..53, Value::Boolean(true)),
        );
        assert!(matches!(
            old.map(Spanned::into_inner),
            Some(Value::Integer(_))
        ));
        // The key already there keeps its span, as a BTreeMap's keeps its key.
        assert_eq!(t.get_key_value("b").map(|(k, _)| k.span()), Some(0..1));
        assert!(t.remove("a").is_some() && t.remove("a").is_none());
        assert_eq!(t.len(), 2);
        t.insert(
            Spanned::new(0..0, Cow::Borrowed("0")),
            Spanned::new(0..0, Value::Boolean(false)),
        );
        assert_eq!(
            t.keys().map(|k| k.get_ref().as_ref()).collect::<Vec<_>>(),
            ["0", "b", "c"]
        );
    }

    #[test]
    fn large_tables_are_indexed_and_sorted() {
        let mut doc = String::new();
        for n in (0..300).rev() {
            doc.push_str(&format!("[t.\"k{n}\"]\nv = {n}\n[u]\nk{n} = {n}\n"));
        }
        // `[u]` is defined 300 times: left to toml, which says so.
        assert!(takes(&doc).is_none());
        let mut doc = String::new();
        for n in (0..300).rev() {
            doc.push_str(&format!("[t.\"k{n}\"]\nv = {n}\n"));
        }
        doc.push_str("[u]\n");
        for n in 0..300 {
            doc.push_str(&format!("k{n} = {n}\n"));
        }
        let (quick, toml) = both(&doc);
        assert_eq!(quick.as_deref(), Some(toml.as_str()));
    }

    mod generated {
        use super::*;
        use proptest::prelude::*;

        fn key() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-c]{1,2}",
                Just("\"a\"".to_string()),
                Just("'b c'".to_string()),
                Just("\"\\u0061\"".to_string()),
            ]
        }

        fn dotted() -> impl Strategy<Value = String> {
            prop::collection::vec(key(), 1..3).prop_map(|k| k.join("."))
        }

        fn value() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                Just("1".to_string()),
                Just("0x1f".to_string()),
                Just("2.5".to_string()),
                Just("true".to_string()),
                Just("\"s\\n\"".to_string()),
                Just("'lit'".to_string()),
                Just("1979-05-27".to_string()),
                // Brackets, braces and newlines inside a string are not the
                // document's: no stretch may end there.
                Just("\"\"\"\n[x]\n{\n\"\"\"".to_string()),
                Just("'''\n]\n'''".to_string()),
            ];
            leaf.prop_recursive(3, 12, 4, |inner| {
                prop_oneof![
                    (prop::collection::vec(inner.clone(), 0..4), separator())
                        .prop_map(|(v, sep)| format!("[{}]", v.join(sep))),
                    (prop::collection::vec((dotted(), inner), 0..4), separator()).prop_map(
                        |(kv, sep)| {
                            let kv: Vec<String> =
                                kv.into_iter().map(|(k, v)| format!("{k} = {v}")).collect();
                            format!("{{ {} }}", kv.join(sep))
                        }
                    ),
                ]
            })
        }

        /// Between the items of an array or an inline table: on one line,
        /// or over several, a line starting with what it holds (`[1]` in an
        /// array looks like a header).
        fn separator() -> impl Strategy<Value = &'static str> {
            prop_oneof![Just(", "), Just(",\n"), Just(", # c ]\n"), Just("\n,")]
        }

        fn line() -> impl Strategy<Value = String> {
            prop_oneof![
                3 => (dotted(), value()).prop_map(|(k, v)| format!("{k} = {v}")),
                1 => dotted().prop_map(|k| format!("[{k}]")),
                1 => dotted().prop_map(|k| format!("[[{k}]]")),
                1 => Just("# comment".to_string()),
                1 => dotted().prop_map(|k| format!("  [{k}] # [")),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            /// Random documents, most invalid (duplicate keys and tables):
            /// whatever the quick pass takes is exactly toml's tree, and
            /// what it does not take gets toml's errors.
            #[test]
            fn quick_pass_agrees_with_toml(lines in prop::collection::vec(line(), 0..10)) {
                let doc = lines.join("\n");
                let (toml, toml_errors) = DeTable::parse_recoverable(&doc);
                match takes(&doc) {
                    Some(tree) => {
                        prop_assert!(toml_errors.is_empty(), "took invalid TOML:\n{}", doc);
                        prop_assert_eq!(dump(&tree), dump(&from_toml(toml.into_inner())), "{}", doc);
                    }
                    None => {
                        let (_, errors) = parse(&doc);
                        prop_assert_eq!(errors.len(), toml_errors.len());
                    }
                }
            }
        }
    }
}
