// Package docs holds checks on the repository's documentation: README.md and
// README.ja.md must describe the same things, with the same commands, and
// every in-page link must lead somewhere.
package docs

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// doc is what the checks need from one Markdown file.
type doc struct {
	name     string
	headings []heading
	commands map[string]bool // lines of ```sh blocks, comments stripped
	spans    map[string]bool // inline code spans outside fences
	links    []string        // link targets: "#anchor" or "FILE.md#anchor"
}

type heading struct {
	level int
	text  string
}

var (
	linkRE    = regexp.MustCompile(`\]\(([^)\s]*#[^)\s]+)\)`)
	spanRE    = regexp.MustCompile("`([^`]+)`")
	commentRE = regexp.MustCompile(`\s+#\s.*$`)
)

func load(t *testing.T, name string) doc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return parse(name, string(b))
}

func parse(name, text string) doc {
	d := doc{name: name, commands: map[string]bool{}, spans: map[string]bool{}}
	var prose strings.Builder
	fence, lang := false, ""
	for line := range strings.SplitSeq(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			fence, lang = !fence, strings.TrimPrefix(trimmed, "```")
			prose.WriteString("\n\n") // a span never crosses a fence
			continue
		}
		if fence {
			if lang == "sh" {
				if cmd := strings.TrimSpace(commentRE.ReplaceAllString(line, "")); cmd != "" {
					d.commands[cmd] = true
				}
			}
			continue
		}
		if level := len(line) - len(strings.TrimLeft(line, "#")); level > 0 && strings.HasPrefix(line[level:], " ") {
			d.headings = append(d.headings, heading{level, strings.TrimSpace(line[level:])})
		}
		for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
			d.links = append(d.links, m[1])
		}
		prose.WriteString(line + "\n")
	}
	// Spans may wrap across lines within a paragraph.
	for _, m := range spanRE.FindAllStringSubmatch(prose.String(), -1) {
		if !strings.Contains(m[1], "\n\n") {
			d.spans[strings.Join(strings.Fields(m[1]), " ")] = true
		}
	}
	return d
}

// anchor is GitHub's heading anchor: lower case, punctuation dropped
// (letters of any script, digits, marks, '-' and '_' stay), spaces to '-'.
func anchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors lists a document's anchors, numbering repeats as GitHub does.
func (d doc) anchors() map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	for _, h := range d.headings {
		a := anchor(h.text)
		if n := seen[a]; n > 0 {
			out[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

func TestAnchor(t *testing.T) {
	for in, want := range map[string]string{
		"What `make demo` shows":             "what-make-demo-shows",
		"Reading a `cdk diff` in review":     "reading-a-cdk-diff-in-review",
		"Environment settings (`cdk.json`)":  "environment-settings-cdkjson",
		"0. Check it offline":                "0-check-it-offline",
		"対応している Garoon のメール":                 "対応している-garoon-のメール",
		"環境の設定（`cdk.json`）":                  "環境の設定cdkjson",
		"GitHub Actions でのプル リクエストの差分（OIDC）": "github-actions-でのプル-リクエストの差分oidc",
	} {
		if got := anchor(in); got != want {
			t.Errorf("anchor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	d := parse("x.md", "# T\n\n## A `b\nc` d\n\n```sh\nmake x    # comment\n\n```\n\nsee [A](#a-b-c-d) and `e`\n```\n`not a span`\n```\n")
	if len(d.headings) != 2 || d.headings[1] != (heading{2, "A `b"}) {
		t.Errorf("headings %v", d.headings)
	}
	if !d.commands["make x"] || len(d.commands) != 1 {
		t.Errorf("commands %v", d.commands)
	}
	if !d.spans["e"] || d.spans["not a span"] {
		t.Errorf("spans %v", d.spans)
	}
	if !slices.Equal(d.links, []string{"#a-b-c-d"}) {
		t.Errorf("links %v", d.links)
	}
}

// Both READMEs have the same outline: as many headings of each level, in the
// same order of levels.
func TestReadmesSameOutline(t *testing.T) {
	en, ja := load(t, "README.md"), load(t, "README.ja.md")
	levels := func(d doc) []int {
		var l []int
		for _, h := range d.headings {
			l = append(l, h.level)
		}
		return l
	}
	if !slices.Equal(levels(en), levels(ja)) {
		for i := range max(len(en.headings), len(ja.headings)) {
			var e, j heading
			if i < len(en.headings) {
				e = en.headings[i]
			}
			if i < len(ja.headings) {
				j = ja.headings[i]
			}
			t.Logf("%d: %d %q | %d %q", i, e.level, e.text, j.level, j.text)
		}
		t.Errorf("README.md and README.ja.md have different outlines (%d and %d headings)", len(en.headings), len(ja.headings))
	}
}

// Every command and every inline code span (commands, error messages,
// names) of one README is in the other: a step added to one language is
// added to both.
func TestReadmesSameCommands(t *testing.T) {
	en, ja := load(t, "README.md"), load(t, "README.ja.md")
	missing := func(kind string, from, to map[string]bool, toName string) {
		for _, k := range slices.Sorted(maps.Keys(from)) {
			if !to[k] {
				t.Errorf("%s %q is not in %s", kind, k, toName)
			}
		}
	}
	missing("command", en.commands, ja.commands, ja.name)
	missing("command", ja.commands, en.commands, en.name)
	missing("code", en.spans, ja.spans, ja.name)
	missing("code", ja.spans, en.spans, en.name)
	if len(en.commands) < 20 {
		t.Errorf("only %d commands found in README.md: is the parser broken?", len(en.commands))
	}
}

// Every "#anchor" link, in the same file or in the other README, names a
// heading that exists.
func TestReadmeLinks(t *testing.T) {
	docs := map[string]doc{}
	anchors := map[string]map[string]bool{}
	for _, name := range []string{"README.md", "README.ja.md"} {
		docs[name] = load(t, name)
		anchors[name] = docs[name].anchors()
	}
	for _, d := range docs {
		if len(d.links) == 0 {
			t.Errorf("%s: no in-page links found", d.name)
		}
		for _, l := range d.links {
			file, frag, _ := strings.Cut(l, "#")
			target := d
			if file != "" {
				var ok bool
				if target, ok = docs[file]; !ok {
					continue // another file's anchors are not checked
				}
			}
			if !anchors[target.name][frag] {
				t.Errorf("%s: link %q: no heading in %s has that anchor", d.name, l, target.name)
			}
		}
	}
}
