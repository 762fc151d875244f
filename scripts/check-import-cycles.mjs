// Fails on import cycles inside each package's `src/`: between folders (a folder directly under
// `src/` is one node, a file at `src/` root is its own node) and between files. Folders form
// layers: if `dpop/` imports `cache/`, nothing in `cache/` may import `dpop/`, directly or around
// a longer loop. Only relative imports count; type-only imports count too, because a type that
// crosses layers both ways is the same tangle as a value that does. Plain Node, no dependencies.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const importPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]*)['"]/g;
let failures = 0;

for (const name of readdirSync(join(root, 'packages')).sort()) {
  const src = join(root, 'packages', name, 'src');
  if (!existsSync(src)) continue;
  const files = sourceFiles(src);
  /** @type {Map<string, Set<string>>} */
  const fileGraph = new Map();
  /** @type {Map<string, Map<string, string>>} folder -> folder -> one file-level import that makes the edge */
  const folderGraph = new Map();
  for (const file of files) {
    const imports = new Set();
    for (const specifier of relativeImports(readFileSync(file, 'utf8'))) {
      const target = resolveImport(file, specifier);
      if (target === undefined) {
        failures++;
        console.error(`${name}: ${relative(src, file)} imports '${specifier}', which is no file under src/`);
        continue;
      }
      imports.add(target);
      const from = folderOf(src, file);
      const to = folderOf(src, target);
      if (from === to) continue;
      if (!folderGraph.has(from)) folderGraph.set(from, new Map());
      const edges = folderGraph.get(from);
      if (!edges.has(to)) edges.set(to, `${relative(src, file)} -> ${relative(src, target)}`);
    }
    fileGraph.set(file, imports);
  }

  const folderEdges = new Map([...folderGraph].map(([from, edges]) => [from, new Set(edges.keys())]));
  for (const cycle of cycles(folderEdges)) {
    failures++;
    console.error(`${name}: folders import each other: ${[...cycle, cycle[0]].join(' -> ')}`);
    for (let i = 0; i < cycle.length; i++) {
      console.error(`  ${folderGraph.get(cycle[i]).get(cycle[(i + 1) % cycle.length])}`);
    }
  }
  for (const cycle of cycles(fileGraph)) {
    failures++;
    const names = [...cycle, cycle[0]].map((file) => relative(src, file));
    console.error(`${name}: files import each other: ${names.join(' -> ')}`);
  }
  console.log(`${name}: ${files.length} files checked for import cycles`);
}
process.exit(failures > 0 ? 1 : 0);

function sourceFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (/\.(?:ts|tsx|mts|cts|js|mjs)$/.test(entry) && !entry.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

function relativeImports(text) {
  // Comments may show import examples (TSDoc); they are no imports.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(importPattern)].map((match) => match[1]);
}

function resolveImport(file, specifier) {
  const base = resolve(dirname(file), specifier);
  const stem = base.replace(/\.(?:js|mjs|cjs|ts)$/, '');
  for (const candidate of [`${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, base, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function folderOf(src, file) {
  const [first] = relative(src, file).split(sep);
  return first;
}

/**
 * One cycle per strongly connected component with more than one node (Tarjan), each as the
 * shortest loop through the component's first node.
 */
function cycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  let next = 0;
  const nodes = new Set([...graph.keys(), ...[...graph.values()].flatMap((edges) => [...edges])]);
  const edgesOf = (node) => [...(graph.get(node) ?? [])];

  for (const start of [...nodes].sort()) {
    if (index.has(start)) continue;
    // Iterative depth-first search: deep file graphs would overflow recursion.
    const work = [[start, 0]];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, position] = frame;
      const edges = edgesOf(node);
      if (position < edges.length) {
        frame[1]++;
        const target = edges[position];
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          work.push([target, 0]);
        } else if (onStack.has(target)) {
          low.set(node, Math.min(low.get(node), index.get(target)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === index.get(node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        if (component.length > 1) components.push(component);
      }
    }
  }
  return components.map((component) => shortestLoop(graph, component));
}

function shortestLoop(graph, component) {
  const members = new Set(component);
  const first = [...component].sort()[0];
  const previous = new Map([[first, undefined]]);
  const queue = [first];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const target of graph.get(node) ?? []) {
      if (!members.has(target)) continue;
      if (target === first) {
        const loop = [];
        for (let at = node; at !== undefined; at = previous.get(at)) loop.unshift(at);
        return loop;
      }
      if (!previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return component;
}
