// Package workflows checks the GitHub Actions workflows for the properties
// the README promises: a pull request's code never runs while AWS
// credentials are present, checkouts keep no token, third-party actions
// are pinned by commit, and the tests, lint and synth are .ci/run's (its
// make targets), not steps of their own.
package workflows

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

type step struct {
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]any    `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

type job struct {
	Permissions map[string]string `yaml:"permissions"`
	Needs       any               `yaml:"needs"`
	Steps       []step            `yaml:"steps"`
}

type workflow struct {
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]job    `yaml:"jobs"`
}

func load(t *testing.T, path string) (workflow, string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return w, string(b)
}

// pinned: owner/repo@<40 hex> followed by "# vX…" naming the release.
var pinned = regexp.MustCompile(`uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+(\.\d+)*$`)

// runsRepositoryCode: a run step that builds or executes files from the
// checkout (or any package manager install).
var runsRepositoryCode = regexp.MustCompile(`\b(make|go|npm|npx|node|bash|sh|python3?)\b|\./`)

func TestPullRequestWorkflow(t *testing.T) {
	w, text := load(t, "../../.github/workflows/pr.yml")
	if _, ok := w.Permissions["id-token"]; ok {
		t.Error("workflow-level permissions grant id-token: only the job that reads the deployed template may")
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
		if !strings.HasPrefix(line, "uses:") || strings.HasPrefix(line, "uses: ./") {
			continue
		}
		if !pinned.MatchString(line) {
			t.Errorf("not pinned by commit with the release in a comment: %s", line)
		}
	}
	credentialJobs := 0
	for name, j := range w.Jobs {
		oidc := j.Permissions["id-token"] == "write"
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Uses, "actions/checkout@") {
				if s.With["persist-credentials"] != false {
					t.Errorf("job %s: checkout without persist-credentials: false (the token stays in .git/config)", name)
				}
				if oidc {
					t.Errorf("job %s: holds an OIDC token and checks out repository code", name)
				}
			}
			if oidc && s.Run != "" {
				for _, line := range strings.Split(s.Run, "\n") {
					if runsRepositoryCode.MatchString(line) {
						t.Errorf("job %s: runs %q while it can hold AWS credentials", name, strings.TrimSpace(line))
					}
				}
			}
			if strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@") {
				credentialJobs++
				if !oidc {
					t.Errorf("job %s: AWS credentials without OIDC", name)
				}
				if _, ok := s.With["aws-access-key-id"]; ok {
					t.Errorf("job %s: stored AWS keys; OIDC only", name)
				}
			}
			// The CDK CLI that reads the templates comes from the base
			// branch's package-lock.json, not from the pull request.
			if strings.Contains(s.Run, "npx") && !oidc && name == "diff" {
				if !checksOutBase(j) {
					t.Errorf("job %s runs npx without checking out the base branch", name)
				}
			}
		}
	}
	if credentialJobs != 1 {
		t.Errorf("%d steps configure AWS credentials, want exactly 1 (the deployed-template reader)", credentialJobs)
	}
	if d, ok := w.Jobs["diff"]; !ok || d.Permissions["id-token"] != "" {
		t.Error("the diff job must exist and hold no id-token")
	}
}

// TestPullRequestRunsCIScript: the test job runs .ci/run and no step
// anywhere runs one of its steps again: the Makefile owns each.
func TestPullRequestRunsCIScript(t *testing.T) {
	w, _ := load(t, "../../.github/workflows/pr.yml")
	ciRuns := 0
	for name, j := range w.Jobs {
		for _, s := range j.Steps {
			for _, line := range strings.Split(s.Run, "\n") {
				line = strings.TrimSpace(line)
				if line == "bash .ci/run" {
					ciRuns++
					if name != "test" {
						t.Errorf("job %s runs .ci/run; the test job should", name)
					}
				}
				if ownedByMake.MatchString(line) {
					t.Errorf("job %s runs %q itself; .ci/run owns that step", name, line)
				}
			}
		}
	}
	if ciRuns != 1 {
		t.Errorf(".ci/run runs %d times in the workflow, want once (job test)", ciRuns)
	}
}

// ownedByMake: commands of .ci/run's steps (the diff job's `cdk diff` on
// the downloaded templates is no such step).
var ownedByMake = regexp.MustCompile(`\bmake\b|\bgo (test|vet|build|tool)\b|actionlint|staticcheck|\bcdk synth\b`)

func checksOutBase(j job) bool {
	for _, s := range j.Steps {
		if strings.HasPrefix(s.Uses, "actions/checkout@") && s.With["ref"] == "${{ github.event.pull_request.base.sha }}" {
			return true
		}
	}
	return false
}

// TestCheckCatchesCredentialsWithCode: the check above fails for the old
// shape of the diff job (checkout, build, then credentials).
func TestCheckCatchesCredentialsWithCode(t *testing.T) {
	var j job
	err := yaml.Unmarshal([]byte(`
permissions: {id-token: write}
steps:
  - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1
  - run: |
      npm ci
      make build
`), &j)
	if err != nil {
		t.Fatal(err)
	}
	hits := 0
	for _, s := range j.Steps {
		for _, line := range strings.Split(s.Run, "\n") {
			if runsRepositoryCode.MatchString(line) {
				hits++
			}
		}
	}
	if hits != 2 || !strings.HasPrefix(j.Steps[0].Uses, "actions/checkout@") || j.Steps[0].With["persist-credentials"] == false {
		t.Errorf("the old diff job was not recognised: %d hits", hits)
	}
	for _, old := range []string{"go tool actionlint", "npx --no-install cdk synth -q --no-notices", "make build"} {
		if !ownedByMake.MatchString(old) {
			t.Errorf("the old test job's %q was not recognised as .ci/run's", old)
		}
	}
	if ownedByMake.MatchString(`npx --no-install cdk diff --no-notices --no-color --app assembly`) {
		t.Error("the diff job's cdk diff taken for a .ci/run step")
	}
	if pinned.MatchString("uses: actions/checkout@v6") {
		t.Error("a tag passed as a pin")
	}
}

// TestExactGoToolchain: one exact Go everywhere. go.work and every module
// name the same toolchain, and CI installs that one (setup-go reads the
// toolchain line from go-version-file), so the bootstrap, and the Lambda
// asset hash, change only when the code does.
func TestExactGoToolchain(t *testing.T) {
	toolchain := regexp.MustCompile(`(?m)^toolchain (go1\.\d+\.\d+)$`)
	var want string
	for _, f := range []string{"../../go.work", "../../function/go.mod", "../../infra/go.mod", "../../shared/go.mod", "../../tools/go.mod"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := toolchain.FindStringSubmatch(string(b))
		if m == nil {
			t.Errorf("%s: no exact toolchain line (toolchain go1.N.P)", f)
			continue
		}
		if want == "" {
			want = m[1]
		}
		if m[1] != want {
			t.Errorf("%s: toolchain %s, go.work says %s", f, m[1], want)
		}
	}
	w, _ := load(t, "../../.github/workflows/pr.yml")
	n := 0
	for name, j := range w.Jobs {
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Uses, "actions/setup-go@") {
				n++
				if s.With["go-version-file"] != "go.work" || s.With["go-version"] != nil {
					t.Errorf("job %s: setup-go with %v; want go-version-file: go.work and no go-version", name, s.With)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no setup-go step")
	}
}
