// Prints names sorted with String.prototype.localeCompare (default locale), the
// comparison the `skills` CLI sorts file paths with before hashing. Run by
// generate.sh with the same node binary that runs the CLI. Deterministic: a fixed
// list plus names from a seeded PRNG over the repertoire skills_lock.py claims to
// order exactly (printable ASCII, tab, Latin letters that decompose to an ASCII
// letter plus combining marks, and the marks U+0300..U+0362 themselves).
const fixed = [
  "SKILL.md", "scripts/run.py", "Zeta.md", "alpha.md", "a-b.txt", "a_b.txt", "a.b.txt",
  "a/b.txt", "ab.txt", "a b.txt", "résumé.md", "resume.md", "Resume.md", "re\u0301sume\u0301.md",
  "file10.txt", "file2.txt", "_x", "-x", ".hidden", "~x", "0.txt", "README.md", "readme.md",
  "assets/logo.png", "references/deep/notes.md", "a\tb", "A", "a", "á", "Á", "à", "â", "ä",
  "Ǻ", "ǻ", "ḉ", "ṩ", "a\u0301\u0308", "a\u0308\u0301", "a\u0327\u0301", "a\u0301\u0327",
];
const ascii = [];
for (let i = 0x20; i < 0x7f; i++) ascii.push(String.fromCharCode(i));
ascii.push("\t");
const latin = [];
for (let i = 0xc0; i < 0x250; i++) {
  const c = String.fromCharCode(i);
  const d = c.normalize("NFD");
  if (d !== c && /^[A-Za-z][\u0300-\u0362]+$/.test(d)) latin.push(c);
}
const marks = [];
for (let i = 0x300; i < 0x363; i++) marks.push(String.fromCharCode(i));
let seed = 20250101;
const rand = (n) => {
  // Park-Miller minimal standard: exact in doubles (16807 * (2^31 - 1) < 2^53).
  seed = (seed * 16807) % 2147483647;
  return seed % n;
};
const pick = (arr) => arr[rand(arr.length)];
const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split("");
const names = new Set(fixed);
while (names.size < 600) {
  const len = 1 + rand(6);
  let s = "";
  for (let k = 0; k < len; k++) {
    const r = rand(10);
    if (r < 4) s += pick(letters);
    else if (r < 6) s += pick(ascii);
    else if (r < 8) s += pick(latin);
    else if (r < 9) s += pick(letters) + pick(marks);
    else s += pick("0123456789".split(""));
  }
  names.add(s);
}
const sorted = [...names].sort((a, b) => a.localeCompare(b));
// Adjacent names that compare equal have no defined order in the CLI (its file list
// comes from concurrent reads); report them so tests skip those pairs.
const ties = [];
for (let i = 1; i < sorted.length; i++) if (sorted[i - 1].localeCompare(sorted[i]) === 0) ties.push(i);
process.stdout.write(
  JSON.stringify(
    { node: process.version, icu: process.versions.icu, locale: new Intl.Collator().resolvedOptions().locale, sorted, ties },
    null,
    2,
  ) + "\n",
);
