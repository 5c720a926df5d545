#!/usr/bin/env node
// The public API as text, one item a line, sorted: so that every change to it shows in a diff.
//
//   node scripts/api-snapshot.mjs rust target/doc/daily_sync.json   # the crate, from rustdoc JSON
//   node scripts/api-snapshot.mjs npm                                # npm/*.d.ts, comments dropped
//
// scripts/api-snapshot.sh writes them to api/ and checks them. The Rust lines name each public item
// by its path with its signature; inherent methods under their type; trait impls as
// `impl Trait for Type` (of the auto traits, only Send and Sync: the contract). Items hidden from the
// docs are not in rustdoc's JSON, so not here.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// ---------------------------------------------------------------------------------------------
// Rust

function rustLines(doc) {
  const { index } = doc;
  const lines = new Set();
  const seen = new Set();

  const path = (p) => {
    if (!p) return '?';
    const args = p.args ? genericArgs(p.args) : '';
    return p.path + args;
  };
  const genericArgs = (a) => {
    if (a.angle_bracketed) {
      const parts = [
        ...a.angle_bracketed.args.map((x) => (x.type ? ty(x.type) : x.lifetime ?? (x.const ? x.const.expr : '_'))),
        ...(a.angle_bracketed.constraints ?? []).map(
          (c) => `${c.name}${c.args ? genericArgs(c.args) : ''}${c.binding?.equality ? ` = ${term(c.binding.equality)}` : c.binding?.constraint ? `: ${bounds(c.binding.constraint)}` : ''}`,
        ),
      ];
      return parts.length ? `<${parts.join(', ')}>` : '';
    }
    if (a.parenthesized) return `(${a.parenthesized.inputs.map(ty).join(', ')})${a.parenthesized.output ? ` -> ${ty(a.parenthesized.output)}` : ''}`;
    return '';
  };
  const term = (t) => (t.type ? ty(t.type) : t.constant ? t.constant.expr : '?');
  const bound = (b) => {
    if (b.trait_bound) {
      const hrtb = b.trait_bound.generic_params?.length ? `for<${b.trait_bound.generic_params.map((g) => g.name).join(', ')}> ` : '';
      const modifier = b.trait_bound.modifier === 'maybe' ? '?' : b.trait_bound.modifier === 'maybe_const' ? '~const ' : '';
      return `${hrtb}${modifier}${path(b.trait_bound.trait)}`;
    }
    if (b.outlives) return b.outlives;
    if (b.use) return `use<${b.use.map((u) => u.lifetime ?? u.param ?? u).join(', ')}>`;
    return '?';
  };
  const bounds = (bs) => bs.map(bound).join(' + ');
  function ty(t) {
    if (!t) return '()';
    if (t.resolved_path) return path(t.resolved_path);
    if (t.generic) return t.generic;
    if (t.primitive) return t.primitive;
    if (t.tuple) return `(${t.tuple.map(ty).join(', ')}${t.tuple.length === 1 ? ',' : ''})`;
    if (t.slice) return `[${ty(t.slice)}]`;
    if (t.array) return `[${ty(t.array.type)}; ${t.array.len}]`;
    if (t.borrowed_ref) {
      const r = t.borrowed_ref;
      return `&${r.lifetime ? r.lifetime + ' ' : ''}${r.is_mutable ? 'mut ' : ''}${ty(r.type)}`;
    }
    if (t.raw_pointer) return `*${t.raw_pointer.is_mutable ? 'mut' : 'const'} ${ty(t.raw_pointer.type)}`;
    if (t.impl_trait) return `impl ${bounds(t.impl_trait)}`;
    if (t.dyn_trait) {
      const traits = t.dyn_trait.traits.map((p) => path(p.trait));
      return `dyn ${[...traits, ...(t.dyn_trait.lifetime ? [t.dyn_trait.lifetime] : [])].join(' + ')}`;
    }
    if (t.qualified_path) {
      const q = t.qualified_path;
      return q.trait ? `<${ty(q.self_type)} as ${path(q.trait)}>::${q.name}` : `${ty(q.self_type)}::${q.name}`;
    }
    if (t.function_pointer) {
      const f = t.function_pointer;
      return `fn(${f.sig.inputs.map(([, x]) => ty(x)).join(', ')})${f.sig.output ? ` -> ${ty(f.sig.output)}` : ''}`;
    }
    if (t.infer !== undefined || t === 'infer') return '_';
    return JSON.stringify(t);
  }
  const generics = (g) => {
    if (!g) return { params: '', where: '' };
    const params = g.params
      .filter((p) => !(p.kind.type && p.kind.type.is_synthetic))
      .map((p) => {
        if (p.kind.lifetime) return p.name + (p.kind.lifetime.outlives?.length ? `: ${p.kind.lifetime.outlives.join(' + ')}` : '');
        if (p.kind.const) return `const ${p.name}: ${ty(p.kind.const.type)}`;
        const bs = p.kind.type?.bounds ?? [];
        return p.name + (bs.length ? `: ${bounds(bs)}` : '') + (p.kind.type?.default ? ` = ${ty(p.kind.type.default)}` : '');
      });
    const where = g.where_predicates.map((w) => {
      if (w.bound_predicate) return `${ty(w.bound_predicate.type)}: ${bounds(w.bound_predicate.bounds)}`;
      if (w.lifetime_predicate) return `${w.lifetime_predicate.lifetime}: ${w.lifetime_predicate.outlives.join(' + ')}`;
      if (w.eq_predicate) return `${ty(w.eq_predicate.lhs)} = ${term(w.eq_predicate.rhs)}`;
      return '?';
    });
    return { params: params.length ? `<${params.join(', ')}>` : '', where: where.length ? ` where ${where.join(', ')}` : '' };
  };
  const fnSig = (name, f) => {
    const h = f.header;
    const prefix = `${h.is_const ? 'const ' : ''}${h.is_async ? 'async ' : ''}${h.is_unsafe ? 'unsafe ' : ''}`;
    const g = generics(f.generics);
    const inputs = f.sig.inputs.map(([n, t]) => {
      if (n === 'self') {
        if (t.generic === 'Self') return 'self';
        if (t.borrowed_ref?.type?.generic === 'Self') return `&${t.borrowed_ref.lifetime ? t.borrowed_ref.lifetime + ' ' : ''}${t.borrowed_ref.is_mutable ? 'mut ' : ''}self`;
        return `self: ${ty(t)}`;
      }
      return `${n}: ${ty(t)}`;
    });
    return `${prefix}fn ${name}${g.params}(${inputs.join(', ')})${f.sig.output ? ` -> ${ty(f.sig.output)}` : ''}${g.where}`;
  };
  const isPublic = (item) => item && item.visibility === 'public';

  // An inherent impl's public items and a trait impl's header, under the type at `at`.
  const impls = (at, ids) => {
    for (const id of ids ?? []) {
      const item = index[id];
      const imp = item?.inner.impl;
      if (!imp || imp.blanket_impl) continue;
      const g = generics(imp.generics);
      if (imp.trait) {
        const trait = path(imp.trait);
        if (imp.is_synthetic && !['Send', 'Sync'].includes(imp.trait.path)) continue;
        lines.add(`impl${g.params} ${imp.is_negative ? '!' : ''}${trait} for ${ty(imp.for)}${g.where}`);
        continue;
      }
      for (const member of imp.items) {
        const m = index[member];
        if (!isPublic(m)) continue;
        item_(`${at}::${m.name}`, m);
      }
    }
  };

  function item_(at, item) {
    const inner = item.inner;
    const kind = Object.keys(inner)[0];
    const v = inner[kind];
    switch (kind) {
      case 'module':
        lines.add(`mod ${at}`);
        for (const id of v.items) visit(id, at);
        break;
      case 'struct': {
        const g = generics(v.generics);
        const k = v.kind;
        if (k.unit !== undefined || k === 'unit') lines.add(`struct ${at}${g.params}${g.where};`);
        else if (k.tuple) lines.add(`struct ${at}${g.params}(${k.tuple.map((f) => (f == null ? '_' : `pub ${ty(index[f].inner.struct_field)}`)).join(', ')})${g.where}`);
        else {
          lines.add(`struct ${at}${g.params}${g.where}${k.plain.has_stripped_fields ? ' { .. }' : ''}`);
          for (const f of k.plain.fields) lines.add(`field ${at}::${index[f].name}: ${ty(index[f].inner.struct_field)}`);
        }
        impls(at, v.impls);
        break;
      }
      case 'enum': {
        const g = generics(v.generics);
        lines.add(`enum ${at}${g.params}${g.where}${v.has_stripped_variants ? ' { .. }' : ''}`);
        for (const id of v.variants) {
          const variant = index[id];
          const vk = variant.inner.variant.kind;
          let shape = '';
          if (vk.tuple) shape = `(${vk.tuple.map((f) => (f == null ? '_' : ty(index[f].inner.struct_field))).join(', ')})`;
          else if (vk.struct) shape = ` { ${vk.struct.fields.map((f) => `${index[f].name}: ${ty(index[f].inner.struct_field)}`).join(', ')}${vk.struct.has_stripped_fields ? ', ..' : ''} }`;
          lines.add(`variant ${at}::${variant.name}${shape}`);
        }
        impls(at, v.impls);
        break;
      }
      case 'union':
        lines.add(`union ${at}`);
        impls(at, v.impls);
        break;
      case 'function':
        lines.add(fnSig(at, v));
        break;
      case 'constant':
        lines.add(`const ${at}: ${ty(v.type)} = ${v.const.expr}`);
        break;
      case 'static':
        lines.add(`static ${v.is_mutable ? 'mut ' : ''}${at}: ${ty(v.type)}`);
        break;
      case 'type_alias': {
        const g = generics(v.generics);
        lines.add(`type ${at}${g.params} = ${ty(v.type)}${g.where}`);
        break;
      }
      case 'trait': {
        const g = generics(v.generics);
        lines.add(`${v.is_unsafe ? 'unsafe ' : ''}trait ${at}${g.params}${v.bounds.length ? `: ${bounds(v.bounds)}` : ''}${g.where}`);
        for (const id of v.items) {
          const m = index[id];
          const mk = Object.keys(m.inner)[0];
          if (mk === 'function') lines.add(`${fnSig(`${at}::${m.name}`, m.inner.function)}${m.inner.function.has_body ? ' { .. }' : ''}`);
          else if (mk === 'assoc_type') lines.add(`type ${at}::${m.name}${m.inner.assoc_type.bounds?.length ? `: ${bounds(m.inner.assoc_type.bounds)}` : ''}`);
          else if (mk === 'assoc_const') lines.add(`const ${at}::${m.name}: ${ty(m.inner.assoc_const.type)}`);
        }
        break;
      }
      case 'assoc_const':
        lines.add(`const ${at}: ${ty(v.type)}${v.value ? ` = ${v.value}` : ''}`);
        break;
      case 'assoc_type':
        lines.add(`type ${at}${v.type ? ` = ${ty(v.type)}` : ''}`);
        break;
      case 'macro':
        lines.add(`macro ${at}!`);
        break;
      default:
        lines.add(`${kind} ${at}`);
    }
  }

  function visit(id, parent) {
    const item = index[id];
    if (!isPublic(item)) return;
    const inner = item.inner;
    if (inner.use) {
      const u = inner.use;
      lines.add(`use ${parent}::${u.is_glob ? '*' : u.name} = ${u.source}`);
      // A re-export of a public item listed where it is defined is listed once, there; one of
      // an item otherwise private is listed here.
      const target = u.id != null ? index[u.id] : null;
      if (target && !u.is_glob && !seen.has(u.id) && !doc.paths[u.id]?.path) {
        seen.add(u.id);
        item_(`${parent}::${u.name}`, target);
      }
      return;
    }
    if (seen.has(id)) return;
    seen.add(id);
    item_(`${parent}::${item.name}`, item);
  }

  const root = index[doc.root];
  lines.add(`crate ${root.name}`);
  for (const id of root.inner.module.items) visit(id, root.name);
  return [...lines].sort();
}

// ---------------------------------------------------------------------------------------------
// npm: each npm/*.d.ts as the TypeScript compiler prints it with no comments.

async function npmLines() {
  const { default: ts } = await import('typescript');
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
  const out = [];
  const dir = join(ROOT, 'npm');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.d.ts')).sort()) {
    const source = ts.createSourceFile(name, readFileSync(join(dir, name), 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    out.push(`// ${name}`, printer.printFile(source).trimEnd(), '');
  }
  return out;
}

const [what, file] = process.argv.slice(2);
if (what === 'rust' && file) {
  process.stdout.write(rustLines(JSON.parse(readFileSync(file, 'utf8'))).join('\n') + '\n');
} else if (what === 'npm') {
  process.stdout.write((await npmLines()).join('\n'));
} else {
  console.error('usage: node scripts/api-snapshot.mjs rust <rustdoc.json> | npm');
  process.exit(2);
}
