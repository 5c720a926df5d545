//! JSON-ish texts for the parsers, the throttle's keys and Daily's REST answers.

use std::fmt::Debug;

use proptest::prelude::*;

use super::wire::{apply_text_mutations, fake_id, mutation, wire_text};

// ------------------------------------------------------------------------------------------------
// JSON-ish texts

/// JSON-ish text: a tree rendered with optional whitespace and duplicate keys, maybe mutated.
#[derive(Debug, Clone)]
enum Tree {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Array(Vec<Tree>),
    Object(Vec<(String, Tree)>),
}

pub fn key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(vec!["a", "b", "k", "__proto__", "constructor", "prototype", "", "toString", "v"])
            .prop_map(String::from),
        1 => any::<String>(),
        1 => "[\"\\\\\u{0}-\u{1f}é😀]{0,4}",
    ]
    .boxed()
}

fn tree() -> BoxedStrategy<Tree> {
    let leaf = prop_oneof![
        Just(Tree::Null),
        any::<bool>().prop_map(Tree::Bool),
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| f.to_string()),
            prop::sample::select(vec!["1e400", "-0", "18446744073709551616", "1E-7", "0.1e1"]).prop_map(String::from),
        ]
        .prop_map(Tree::Number),
        any::<String>().prop_map(Tree::Str),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Tree::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(Tree::Object),
        ]
    })
    .boxed()
}

fn render(tree: &Tree, spaced: bool, out: &mut String) {
    let space = if spaced { " \n\t" } else { "" };
    match tree {
        Tree::Null => out.push_str("null"),
        Tree::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Tree::Number(n) => out.push_str(n),
        Tree::Str(s) => out.push_str(&serde_json::to_string(s).expect("a string serializes")),
        Tree::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(space);
                render(item, spaced, out);
            }
            out.push(']');
        }
        Tree::Object(entries) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(space);
                out.push_str(&serde_json::to_string(key).expect("a string serializes"));
                out.push_str(space);
                out.push(':');
                render(value, spaced, out);
            }
            out.push('}');
        }
    }
}

pub fn json_text() -> BoxedStrategy<String> {
    let rendered = (tree(), any::<bool>()).prop_map(|(tree, spaced)| {
        let mut out = String::new();
        if spaced {
            out.push_str(" \n");
        }
        render(&tree, spaced, &mut out);
        if spaced {
            out.push_str("\t ");
        }
        out
    });
    let objects = (prop::collection::vec((key(), tree()), 0..8), any::<bool>()).prop_map(|(entries, spaced)| {
        let mut out = String::new();
        render(&Tree::Object(entries), spaced, &mut out);
        out
    });
    prop_oneof![
        3 => rendered,
        3 => objects,
        2 => (objects_or_wire(), prop::collection::vec(mutation(), 1..3)).prop_map(|(text, ms)| {
            // Text mutations only (the tree ones need a tree).
            apply_text_mutations(text, &ms)
        }),
        1 => wire_text(fake_id()),
        1 => any::<String>(),
        1 => (1usize..20_000, any::<bool>()).prop_map(|(depth, objects)| if objects {
            format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
        } else {
            format!("{}{}", "[".repeat(depth), "]".repeat(depth))
        }),
    ]
    .boxed()
}

fn objects_or_wire() -> BoxedStrategy<String> {
    prop_oneof![
        (prop::collection::vec((key(), tree()), 0..6)).prop_map(|entries| {
            let mut out = String::new();
            render(&Tree::Object(entries), false, &mut out);
            out
        }),
        wire_text(fake_id()),
    ]
    .boxed()
}
