package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"garoon-calendar-sync/shared/contract"
)

var update = flag.Bool("update", false, "rewrite testdata/*.template.json from the current stacks")

// sharedAssetDir is the fake asset dir of the stacks all tests share.
var sharedAssetDir string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "infra-asset-")
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("fake bootstrap\n"), 0o755)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedAssetDir = dir
	code := m.Run()
	jsii.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cdkContext is the context of the project's cdk.json, which the CLI hands
// to the app; awscdk.NewApp in a test would not read it by itself.
func cdkContext(t testing.TB) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	return f.Context
}

// fakeAssetDir stands in for dist/function, so that the templates (and the
// snapshots) do not depend on the real binary.
func fakeAssetDir(t testing.TB, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// synthesized is one environment's stack from cdk.json, built by defineApp
// exactly as `cdk synth` builds it.
type synthesized struct {
	cfg   EnvConfig
	stack awscdk.Stack
	tpl   assertions.Template
	json  map[string]any
}

var (
	projectStacksOnce sync.Once
	projectStacks     []synthesized
	projectStacksErr  error
)

// ciAlarmEmail is the -c alarmEmail that CI synthesizes with (.ci/run):
// the shipped prod names no address of its own.
const ciAlarmEmail = AlarmEmailNone

// stacks synthesizes every environment of cdk.json once per test binary,
// as CI does (make synth-all ALARM_EMAIL=none).
func stacks(t *testing.T) []synthesized {
	t.Helper()
	projectStacksOnce.Do(func() {
		ctx := cdkContext(t)
		ctx[contextAlarmEmail] = ciAlarmEmail
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
		if projectStacksErr = defineApp(app, sharedAssetDir, false); projectStacksErr != nil {
			return
		}
		cfgs, err := ParseEnvironments(ctx[contextEnvironments], "", Defaults{AlarmEmail: ciAlarmEmail})
		if err != nil {
			projectStacksErr = err
			return
		}
		for _, cfg := range cfgs {
			st := awscdk.Stack_Of(app.Node().FindChild(jsii.String(contract.StackName(cfg.Name))))
			tpl, err := synthesize(st)
			if err != nil {
				projectStacksErr = fmt.Errorf("%s: %w", cfg.Name, err)
				return
			}
			projectStacks = append(projectStacks, synthesized{cfg, st, tpl, *tpl.ToJSON()})
		}
	})
	if projectStacksErr != nil {
		t.Fatal(projectStacksErr)
	}
	if len(projectStacks) < 2 {
		t.Fatalf("cdk.json defines %d environments, want at least dev and prod", len(projectStacks))
	}
	return projectStacks
}

// synthesize is assertions.Template_FromStack, with synth failures as an
// error. cdk-nag errors fail validation (annotationsInValidationReport in
// cdk.json); the error then carries the validation report, which names the
// rule and the resource.
func synthesize(st awscdk.Stack) (tpl assertions.Template, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synth failed: %v", r)
			if m := validationReportRE.FindStringSubmatch(fmt.Sprint(r)); m != nil {
				if report, rerr := os.ReadFile(m[1]); rerr == nil {
					err = fmt.Errorf("%w\n%s", err, report)
				}
			}
		}
	}()
	return assertions.Template_FromStack(st, nil), nil
}

var validationReportRE = regexp.MustCompile(`(\S+validation-report\.json)`)

// stackFor synthesizes one stack for a config that is not in cdk.json.
func stackFor(t *testing.T, cfg EnvConfig) (assertions.Template, map[string]any) {
	t.Helper()
	ctx := cdkContext(t)
	delete(ctx, contextEnvironments)
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	st := NewSyncStack(app, contract.StackName(cfg.Name), &SyncStackProps{Config: cfg, AssetDir: fakeAssetDir(t, "fake bootstrap\n")})
	tpl, err := synthesize(st)
	if err != nil {
		t.Fatal(err)
	}
	return tpl, *tpl.ToJSON()
}

// check runs a jsii assertion, which panics on a mismatch, as a test failure.
func check(t *testing.T, what string, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assertion()
}

func resources(tpl map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		out[id] = r.(map[string]any)
	}
	return out
}

func resourcesOfType(tpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range resources(tpl) {
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// only returns the single resource of a type, failing when there are more.
func only(t *testing.T, tpl map[string]any, typ string) (string, map[string]any) {
	t.Helper()
	rs := resourcesOfType(tpl, typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	for id, r := range rs {
		return id, r
	}
	panic("unreachable")
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }
func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

func TestSnapshots(t *testing.T) {
	for _, s := range stacks(t) {
		t.Run(s.cfg.Name, func(t *testing.T) {
			got, err := json.MarshalIndent(s.json, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", contract.StackName(s.cfg.Name)+".template.json")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (create it with go test ./infra -run TestSnapshots -update)", err)
			}
			if string(got) != string(want) {
				t.Errorf("the %s template differs from %s. If the change is intended, run\n\tgo test ./infra -run TestSnapshots -update\nand review the snapshot diff in the pull request.", s.cfg.Name, path)
			}
		})
	}
}

// TestResourceList pins what a stack creates: a new resource type, or one
// more of a kind, is a change a reviewer should see in this test too.
func TestResourceList(t *testing.T) {
	want := []string{
		"AWS::CloudWatch::Alarm", "AWS::CloudWatch::Alarm", "AWS::CloudWatch::Alarm", "AWS::CloudWatch::Alarm",
		"AWS::IAM::Policy",
		"AWS::IAM::Role", "AWS::IAM::Role",
		"AWS::Lambda::EventInvokeConfig",
		"AWS::Lambda::Function",
		"AWS::Logs::LogGroup",
		"AWS::SNS::Topic",
		"AWS::SNS::TopicPolicy",
		"AWS::SQS::Queue",
		"AWS::SQS::QueuePolicy",
		"AWS::Scheduler::Schedule",
		"AWS::Scheduler::ScheduleGroup",
		"AWS::SecretsManager::Secret",
	}
	for _, s := range stacks(t) {
		var got []string
		for _, r := range resources(s.json) {
			got = append(got, r["Type"].(string))
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s resources:\n got %q\nwant %q", s.cfg.Name, got, want)
		}
	}
}

func TestSecretHasNoValueInTemplate(t *testing.T) {
	for _, s := range stacks(t) {
		_, secret := only(t, s.json, "AWS::SecretsManager::Secret")
		p := props(secret)
		if p["Name"] != contract.SecretName(s.cfg.Name) {
			t.Errorf("%s: secret name %v, want %s", s.cfg.Name, p["Name"], contract.SecretName(s.cfg.Name))
		}
		for _, k := range []string{"SecretString", "GenerateSecretString", "SecretStringValue"} {
			if _, ok := p[k]; ok {
				t.Errorf("%s: the secret sets %s; it must be created empty", s.cfg.Name, k)
			}
		}
		for _, key := range contract.RequiredKeys {
			if !strings.Contains(p["Description"].(string), key) {
				t.Errorf("%s: the secret's description does not name the key %s", s.cfg.Name, key)
			}
		}
	}
}

func TestRemovalPolicy(t *testing.T) {
	for _, s := range stacks(t) {
		want := "Delete"
		if s.cfg.Retain {
			want = "Retain"
		}
		for _, typ := range []string{"AWS::SecretsManager::Secret", "AWS::Logs::LogGroup"} {
			_, r := only(t, s.json, typ)
			if r["DeletionPolicy"] != want || r["UpdateReplacePolicy"] != want {
				t.Errorf("%s %s: DeletionPolicy %v, UpdateReplacePolicy %v, want %s", s.cfg.Name, typ, r["DeletionPolicy"], r["UpdateReplacePolicy"], want)
			}
		}
	}
	cfgs := cdkConfigs(t)
	if cfg := findConfig(t, cfgs, "prod"); !cfg.Retain {
		t.Error("cdk.json: prod must keep (retain) its secret and logs")
	}
	if cfg := findConfig(t, cfgs, "dev"); cfg.Retain {
		t.Error("cdk.json: dev should destroy its secret and logs with the stack")
	}
}

func TestFunction(t *testing.T) {
	for _, s := range stacks(t) {
		secretID, _ := only(t, s.json, "AWS::SecretsManager::Secret")
		logGroupID, _ := only(t, s.json, "AWS::Logs::LogGroup")
		roleID := functionRoleID(t, s.json)
		check(t, s.cfg.Name+" function", func() {
			s.tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
				"FunctionName":                 contract.FunctionName(s.cfg.Name),
				"Runtime":                      "provided.al2023",
				"Architectures":                []any{"arm64"},
				"Handler":                      "bootstrap",
				"MemorySize":                   128,
				"Timeout":                      s.cfg.Timeout.Seconds(),
				"ReservedConcurrentExecutions": assertions.Match_Absent(),
				"Role":                         getAtt(roleID, "Arn"),
				"LoggingConfig": map[string]any{
					"LogGroup":            ref(logGroupID),
					"LogFormat":           "JSON",
					"ApplicationLogLevel": strings.ToUpper(s.cfg.LogLevel),
					"SystemLogLevel":      "INFO",
				},
				"Environment": map[string]any{"Variables": map[string]any{
					contract.EnvSecretID:     ref(secretID),
					contract.EnvEnvironment:  s.cfg.Name,
					contract.EnvLookbackDays: fmt.Sprint(s.cfg.LookbackDays),
					contract.EnvMaxDeletes:   fmt.Sprint(s.cfg.MaxDeletes),
					contract.EnvLogLevel:     s.cfg.LogLevel,
				}},
			})
		})
		check(t, s.cfg.Name+" no Lambda retries", func() {
			s.tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{"MaximumRetryAttempts": 0})
		})
	}
}

// TestReservedConcurrency: no reservation unless cdk.json asks for one (a
// new account's quota of 10 refuses any), and then exactly the number.
func TestReservedConcurrency(t *testing.T) {
	for _, s := range stacks(t) {
		_, fn := only(t, s.json, "AWS::Lambda::Function")
		if v, ok := props(fn)["ReservedConcurrentExecutions"]; ok {
			t.Errorf("%s: ReservedConcurrentExecutions %v; cdk.json must not reserve concurrency by default", s.cfg.Name, v)
		}
	}
	cfgs, err := ParseEnvironments(map[string]any{"rc": map[string]any{"alarmEmail": AlarmEmailNone, "reservedConcurrency": 1}}, "", Defaults{})
	if err != nil {
		t.Fatal(err)
	}
	_, tpl := stackFor(t, cfgs[0])
	_, fn := only(t, tpl, "AWS::Lambda::Function")
	if v := props(fn)["ReservedConcurrentExecutions"]; v != 1.0 {
		t.Errorf("reservedConcurrency 1: ReservedConcurrentExecutions %v", v)
	}
}

// TestSystemLogLevel: every environment keeps Lambda's REPORT lines (max
// memory, init duration), whatever the application's log level.
func TestSystemLogLevel(t *testing.T) {
	for _, level := range []string{"debug", "info", "warn", "error"} {
		const want = "INFO"
		cfg := testConfig("lvl")
		cfg.LogLevel = level
		_, tpl := stackFor(t, cfg)
		_, fn := only(t, tpl, "AWS::Lambda::Function")
		if got := props(fn)["LoggingConfig"].(map[string]any)["SystemLogLevel"]; got != want {
			t.Errorf("logLevel %s: SystemLogLevel %v, want %s", level, got, want)
		}
	}
}

func TestLogGroup(t *testing.T) {
	for _, s := range stacks(t) {
		check(t, s.cfg.Name+" log group", func() {
			s.tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
				"LogGroupName":    contract.LogGroupName(s.cfg.Name), // where `garoon-sync doctor --env` reads the last run
				"RetentionInDays": s.cfg.LogRetentionDays,
			})
		})
	}
}

func functionRoleID(t *testing.T, tpl map[string]any) string {
	t.Helper()
	for id, r := range resourcesOfType(tpl, "AWS::IAM::Role") {
		if strings.Contains(fmt.Sprint(props(r)["AssumeRolePolicyDocument"]), "lambda.amazonaws.com") {
			return id
		}
	}
	t.Fatal("no role for lambda.amazonaws.com")
	return ""
}

// statement is one IAM policy statement and the resource that holds it.
type statement struct {
	holder string
	body   map[string]any
}

// identityStatements collects every statement of every identity policy in
// a template (inline role policies and AWS::IAM::Policy). A managed policy
// resource or a managed policy attachment fails the test.
func identityStatements(t *testing.T, tpl map[string]any) []statement {
	t.Helper()
	var out []statement
	add := func(holder string, doc any) {
		sts, _ := doc.(map[string]any)["Statement"].([]any)
		for _, st := range sts {
			out = append(out, statement{holder, st.(map[string]any)})
		}
	}
	for id, r := range resources(tpl) {
		p := props(r)
		switch r["Type"] {
		case "AWS::IAM::Role":
			if m, ok := p["ManagedPolicyArns"]; ok {
				t.Errorf("role %s attaches managed policies %v", id, m)
			}
			pols, _ := p["Policies"].([]any)
			for _, pol := range pols {
				add(id, pol.(map[string]any)["PolicyDocument"])
			}
		case "AWS::IAM::Policy":
			add(id, p["PolicyDocument"])
		case "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group":
			t.Errorf("unexpected %s %s", r["Type"], id)
		}
	}
	return out
}

func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func TestLeastPrivilege(t *testing.T) {
	for _, s := range stacks(t) {
		secretID, _ := only(t, s.json, "AWS::SecretsManager::Secret")
		logGroupID, _ := only(t, s.json, "AWS::Logs::LogGroup")
		roleID := functionRoleID(t, s.json)
		sts := identityStatements(t, s.json)
		if len(sts) == 0 {
			t.Fatalf("%s: no IAM statements found", s.cfg.Name)
		}
		secretGrants := 0
		for _, st := range sts {
			actions := stringsOf(st.body["Action"])
			if _, ok := st.body["NotAction"]; ok {
				t.Errorf("%s %s: NotAction is not allowed: %v", s.cfg.Name, st.holder, st.body)
			}
			if _, ok := st.body["NotResource"]; ok {
				t.Errorf("%s %s: NotResource is not allowed: %v", s.cfg.Name, st.holder, st.body)
			}
			for _, a := range actions {
				if a == "*" || strings.HasSuffix(a, ":*") {
					t.Errorf("%s %s: wildcard action %q", s.cfg.Name, st.holder, a)
				}
				if strings.HasPrefix(strings.ToLower(a), "secretsmanager:") && a != "secretsmanager:GetSecretValue" {
					t.Errorf("%s %s: Secrets Manager action %q; only GetSecretValue is allowed", s.cfg.Name, st.holder, a)
				}
			}
			if slices.Contains(stringsOf(st.body["Resource"]), "*") {
				t.Errorf("%s %s: Resource \"*\" in %v", s.cfg.Name, st.holder, st.body)
			}
			if slices.Contains(actions, "secretsmanager:GetSecretValue") {
				secretGrants++
				if st.holder != roleID {
					t.Errorf("%s: %s grants reading the secret; only the function role's inline policy may", s.cfg.Name, st.holder)
				}
				if len(actions) != 1 {
					t.Errorf("%s: the secret statement has more actions than GetSecretValue: %v", s.cfg.Name, actions)
				}
				if fmt.Sprint(st.body["Resource"]) != fmt.Sprint(ref(secretID)) {
					t.Errorf("%s: GetSecretValue on %v, want exactly the secret %v", s.cfg.Name, st.body["Resource"], ref(secretID))
				}
			}
			for _, a := range actions {
				if strings.HasPrefix(a, "logs:") && fmt.Sprint(st.body["Resource"]) != fmt.Sprint(getAtt(logGroupID, "Arn")) {
					t.Errorf("%s %s: %s on %v, want only the function's log group", s.cfg.Name, st.holder, a, st.body["Resource"])
				}
			}
		}
		if secretGrants != 1 {
			t.Errorf("%s: %d statements grant GetSecretValue, want 1", s.cfg.Name, secretGrants)
		}
		// The function role's rights, all of them.
		var fnActions []string
		for _, st := range sts {
			if st.holder == roleID {
				fnActions = append(fnActions, stringsOf(st.body["Action"])...)
			}
		}
		slices.Sort(fnActions)
		if want := []string{"logs:CreateLogStream", "logs:PutLogEvents", "secretsmanager:GetSecretValue"}; !slices.Equal(fnActions, want) {
			t.Errorf("%s: the function role allows %v, want %v", s.cfg.Name, fnActions, want)
		}
	}
}

func TestSchedule(t *testing.T) {
	for _, s := range stacks(t) {
		dlqID, _ := only(t, s.json, "AWS::SQS::Queue")
		fnID, _ := only(t, s.json, "AWS::Lambda::Function")
		groupID, group := only(t, s.json, "AWS::Scheduler::ScheduleGroup")
		for id, sched := range resourcesOfType(s.json, "AWS::Scheduler::Schedule") {
			if !slices.Contains(stringsOf(sched["DependsOn"]), groupID) {
				t.Errorf("%s: %s does not depend on its group %s", s.cfg.Name, id, groupID)
			}
		}
		if n := props(group)["Name"]; n != contract.FunctionName(s.cfg.Name) {
			t.Errorf("%s: schedule group %v, want %s", s.cfg.Name, n, contract.FunctionName(s.cfg.Name))
		}
		check(t, s.cfg.Name+" schedule", func() {
			s.tpl.HasResourceProperties(jsii.String("AWS::Scheduler::Schedule"), map[string]any{
				"Name":      contract.FunctionName(s.cfg.Name),
				"GroupName": contract.FunctionName(s.cfg.Name),
				// Every 5 minutes around the clock, in both environments: a
				// notice sent on Friday evening must not wait until Monday.
				"ScheduleExpression":         "cron(0/5 * * * ? *)",
				"ScheduleExpressionTimezone": "Asia/Tokyo",
				"State":                      "ENABLED",
				"FlexibleTimeWindow":         map[string]any{"Mode": "OFF"},
				"Target": map[string]any{
					"Arn":              getAtt(fnID, "Arn"),
					"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
					"DeadLetterConfig": map[string]any{"Arn": getAtt(dlqID, "Arn")},
				},
			})
		})
	}
}

// schedulerTrustProblems checks the trust policy of the role a schedule's
// target runs with. Scheduler assumes it with aws:SourceArn = the schedule
// GROUP's ARN and aws:SourceAccount = the account ("Do not scope the
// aws:SourceArn statement to a specific schedule",
// docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html):
// a condition on anything else means every invocation fails to assume it.
func schedulerTrustProblems(tpl map[string]any) []string {
	var problems []string
	groupID := ""
	for id := range resourcesOfType(tpl, "AWS::Scheduler::ScheduleGroup") {
		groupID = id
	}
	for id, sched := range resourcesOfType(tpl, "AWS::Scheduler::Schedule") {
		roleArn := props(sched)["Target"].(map[string]any)["RoleArn"]
		att, _ := roleArn.(map[string]any)["Fn::GetAtt"].([]any)
		if len(att) != 2 {
			problems = append(problems, fmt.Sprintf("%s: role %v is not a role of this stack", id, roleArn))
			continue
		}
		role := resources(tpl)[att[0].(string)]
		sts, _ := props(role)["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
		if len(sts) != 1 {
			problems = append(problems, fmt.Sprintf("%s: %d trust statements, want 1", att[0], len(sts)))
			continue
		}
		st := sts[0].(map[string]any)
		want := map[string]any{
			"Action":    "sts:AssumeRole",
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": "scheduler.amazonaws.com"},
			"Condition": map[string]any{"StringEquals": map[string]any{
				"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"},
				"aws:SourceArn":     getAtt(groupID, "Arn"),
			}},
		}
		if groupID == "" || fmt.Sprint(st) != fmt.Sprint(want) {
			problems = append(problems, fmt.Sprintf("%s trusts\n %v\nwant\n %v", att[0], st, want))
		}
		if strings.Contains(fmt.Sprint(st), ":schedule/") {
			problems = append(problems, fmt.Sprintf("%s: the condition names a single schedule; Scheduler presents the group's ARN", att[0]))
		}
	}
	return problems
}

func TestSchedulerTrust(t *testing.T) {
	for _, s := range stacks(t) {
		for _, p := range schedulerTrustProblems(s.json) {
			t.Errorf("%s: %s", s.cfg.Name, p)
		}
	}
}

// TestSchedulerTrustCheckCatchesAScheduleARN: the check above fails on the
// condition the stack used to have (aws:SourceArn = one schedule's ARN).
func TestSchedulerTrustCheckCatchesAScheduleARN(t *testing.T) {
	_, tpl := stackFor(t, testConfig("trust"))
	if p := schedulerTrustProblems(tpl); len(p) != 0 {
		t.Fatalf("unmodified template: %v", p)
	}
	for _, role := range resourcesOfType(tpl, "AWS::IAM::Role") {
		doc := props(role)["AssumeRolePolicyDocument"].(map[string]any)
		st := doc["Statement"].([]any)[0].(map[string]any)
		if cond, ok := st["Condition"].(map[string]any); ok {
			cond["StringEquals"].(map[string]any)["aws:SourceArn"] = map[string]any{"Fn::Join": []any{"", []any{
				"arn:aws:scheduler:ap-northeast-1:", map[string]any{"Ref": "AWS::AccountId"}, ":schedule/default/garoon-calendar-sync-trust",
			}}}
		}
	}
	p := schedulerTrustProblems(tpl)
	if len(p) == 0 || !strings.Contains(strings.Join(p, "\n"), "names a single schedule") {
		t.Errorf("a condition on one schedule's ARN passed the check: %v", p)
	}
}

func TestScheduleWindows(t *testing.T) {
	for _, tc := range []struct {
		schedule Schedule
		want     string
	}{
		{Schedule{"0/5", "*", "*"}, "cron(0/5 * * * ? *)"},
		{Schedule{"0/15", "*", "*"}, "cron(0/15 * * * ? *)"},
		{Schedule{"0/15", "7-22", "MON-FRI"}, "cron(0/15 7-22 ? * MON-FRI *)"},
		{Schedule{"5", "8,12,18", "*"}, "cron(5 8,12,18 * * ? *)"},
		{Schedule{"0/10", "*", "SAT,SUN"}, "cron(0/10 * ? * SAT,SUN *)"},
	} {
		cfg := testConfig("win")
		cfg.Schedule = tc.schedule
		tpl, _ := stackFor(t, cfg)
		check(t, tc.want, func() {
			tpl.HasResourceProperties(jsii.String("AWS::Scheduler::Schedule"), map[string]any{"ScheduleExpression": tc.want})
		})
	}
}

func TestDeadLetterQueue(t *testing.T) {
	for _, s := range stacks(t) {
		dlqID, _ := only(t, s.json, "AWS::SQS::Queue")
		check(t, s.cfg.Name+" DLQ encryption", func() {
			s.tpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), map[string]any{
				"SqsManagedSseEnabled":   true,
				"MessageRetentionPeriod": 14 * 24 * 3600,
			})
		})
		check(t, s.cfg.Name+" DLQ TLS only", func() {
			s.tpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
				"Queues": []any{ref(dlqID)},
				"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
					"Effect":    "Deny",
					"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				}}},
			})
		})
	}
}

func TestAlarms(t *testing.T) {
	for _, s := range stacks(t) {
		topicID, _ := only(t, s.json, "AWS::SNS::Topic")
		fnID, _ := only(t, s.json, "AWS::Lambda::Function")
		alarms := resourcesOfType(s.json, "AWS::CloudWatch::Alarm")
		if len(alarms) != 4 {
			t.Fatalf("%s: %d alarms, want 4 (each costs $0.10 a month)", s.cfg.Name, len(alarms))
		}
		for id, a := range alarms {
			p := props(a)
			if fmt.Sprint(p["AlarmActions"]) != fmt.Sprint([]any{ref(topicID)}) {
				t.Errorf("%s %s: AlarmActions %v, want the alarm topic", s.cfg.Name, id, p["AlarmActions"])
			}
			if p["MetricName"] == "Invocations" {
				continue // the "did not run" alarm, below
			}
			if p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || p["Threshold"] != 1.0 || p["TreatMissingData"] != "notBreaching" {
				t.Errorf("%s %s: want >= 1, missing data not breaching; got %v %v %v", s.cfg.Name, id, p["ComparisonOperator"], p["Threshold"], p["TreatMissingData"])
			}
		}
		check(t, s.cfg.Name+" errors alarm", func() {
			s.tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
				"Namespace":  "AWS/Lambda",
				"MetricName": "Errors",
				"Statistic":  "Sum",
				"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": ref(fnID)}},
			})
		})
		check(t, s.cfg.Name+" invalid_grant alarm", func() {
			s.tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
				"Namespace":  contract.MetricNamespace,
				"MetricName": contract.MetricInvalidGrant,
				"Statistic":  "Sum",
				"Dimensions": []any{map[string]any{"Name": contract.MetricDimension, "Value": s.cfg.Name}},
				// The same command as the function's log line and doctor, and
				// what changes when Gmail reads with the token (FixInvalidGrantGmail).
				"AlarmDescription": assertions.Match_StringLikeRegexp(jsii.String(regexp.QuoteMeta(contract.FixInvalidGrant(s.cfg.Name)) + ".*" +
					regexp.QuoteMeta(contract.KeyGmailAuth+" is "+contract.GmailAuthOAuth+" or it has no "+contract.KeyGmailPassword) + ".*add --gmail after authorize")),
			})
		})
		// The schedule's dead-letter queue holds a message: Scheduler gave
		// a run up (AWS/SQS, dimension QueueName of that queue).
		queueID, _ := only(t, s.json, "AWS::SQS::Queue")
		check(t, s.cfg.Name+" scheduler dropped alarm", func() {
			s.tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
				"AlarmName":          contract.FunctionName(s.cfg.Name) + "-schedule-dropped",
				"Namespace":          "AWS/SQS",
				"MetricName":         "ApproximateNumberOfMessagesVisible",
				"Statistic":          "Maximum",
				"Period":             300,
				"Threshold":          1,
				"ComparisonOperator": "GreaterThanOrEqualToThreshold",
				"TreatMissingData":   "notBreaching",
				"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": map[string]any{
					"Fn::GetAtt": []any{queueID, "QueueName"}}}},
				// What happened, not a guess: Scheduler could not deliver.
				"AlarmDescription": assertions.Match_ObjectLike(&map[string]any{"Fn::Join": assertions.Match_ArrayWith(&[]any{
					assertions.Match_ArrayWith(&[]any{assertions.Match_StringLikeRegexp(jsii.String("^EventBridge Scheduler could not deliver a scheduled run"))}),
				})}),
			})
		})
		// 24/7 every 5 minutes: no invocation in 15 one-minute periods.
		check(t, s.cfg.Name+" did-not-run alarm", func() {
			s.tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
				"AlarmName":          contract.FunctionName(s.cfg.Name) + "-did-not-run",
				"Namespace":          "AWS/Lambda",
				"MetricName":         "Invocations",
				"Statistic":          "Sum",
				"Dimensions":         []any{map[string]any{"Name": "FunctionName", "Value": ref(fnID)}},
				"ComparisonOperator": "LessThanThreshold",
				"Threshold":          1,
				"Period":             60,
				"EvaluationPeriods":  15,
				"DatapointsToAlarm":  15,
				"TreatMissingData":   "breaching",
			})
		})
	}
}

// TestDidNotRunAlarmWindows: the alarm waits out the schedule's own pauses
// (3 periods for a steady schedule; the weekend plus 2 periods for a
// MON-FRI one), in periods CloudWatch accepts, and cdk.json can set it.
func TestDidNotRunAlarmWindows(t *testing.T) {
	for _, tc := range []struct {
		schedule     Schedule
		minutes      any // didNotRunMinutes, nil for the default
		period, eval float64
	}{
		{Schedule{"0/5", "*", "*"}, nil, 60, 15},
		{Schedule{"0/15", "*", "*"}, nil, 60, 45},
		{Schedule{"*", "*", "*"}, nil, 60, 3},
		{Schedule{"7", "*", "*"}, nil, 60, 180},
		// Fri 22:45 → Mon 07:00 is 56 h 15 min; + 30 min = 56 h 45 min → 57 hours.
		{Schedule{"0/15", "7-22", "MON-FRI"}, nil, 3600, 57},
		{Schedule{"0/5", "*", "*"}, 60, 60, 60},
		{Schedule{"0/5", "*", "*"}, 1500, 3600, 25},
	} {
		in := map[string]any{"alarmEmail": AlarmEmailNone, "schedule": map[string]any{
			"minute": tc.schedule.Minute, "hours": tc.schedule.Hours, "weekDays": tc.schedule.WeekDays}}
		if tc.minutes != nil {
			in["didNotRunMinutes"] = tc.minutes
		}
		cfgs, err := ParseEnvironments(map[string]any{"win": in}, "", Defaults{})
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		tpl, _ := stackFor(t, cfgs[0])
		check(t, fmt.Sprintf("%+v", tc), func() {
			tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
				"MetricName": "Invocations", "Period": tc.period, "EvaluationPeriods": tc.eval, "DatapointsToAlarm": tc.eval,
			})
		})
		if total := tc.period * tc.eval; total > 7*24*3600 || tc.period < 3600 && total > 24*3600 {
			t.Errorf("%+v: %v s of evaluation, more than CloudWatch allows", tc, total)
		}
	}
}

func TestAlarmTopic(t *testing.T) {
	for _, s := range stacks(t) {
		topicID, _ := only(t, s.json, "AWS::SNS::Topic")
		_, policy := only(t, s.json, "AWS::SNS::TopicPolicy")
		doc := fmt.Sprint(props(policy)["PolicyDocument"])
		if !strings.Contains(doc, "aws:SecureTransport:false") || !strings.Contains(doc, "Effect:Deny") {
			t.Errorf("%s: the topic policy does not deny publishing without TLS: %s", s.cfg.Name, doc)
		}
		check(t, s.cfg.Name+" CloudWatch may publish", func() {
			s.tpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
				"Topics": []any{ref(topicID)},
				"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
					"Effect":    "Allow",
					"Action":    "sns:Publish",
					"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				})})},
			})
		})
		// cdk.json ships with "none" for dev and no address for prod (CI
		// synthesizes it with -c alarmEmail=none): no subscriber, and a warning.
		ann := assertions.Annotations_FromStack(s.stack)
		if s.cfg.AlarmEmail == "" {
			check(t, s.cfg.Name+" no-subscriber warning", func() {
				ann.HasWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(
					regexp.QuoteMeta("context.environments."+s.cfg.Name+".alarmEmail"))))
			})
		}
		subs := resourcesOfType(s.json, "AWS::SNS::Subscription")
		if want := map[bool]int{false: 0, true: 1}[s.cfg.AlarmEmail != ""]; len(subs) != want {
			t.Errorf("%s: %d subscriptions, want %d", s.cfg.Name, len(subs), want)
		}
	}

	cfg := testConfig("mail")
	cfg.AlarmEmail = "ops@example.com"
	tpl, _ := stackFor(t, cfg)
	check(t, "e-mail subscription", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{"Protocol": "email", "Endpoint": "ops@example.com"})
	})
}

// TestAccountWarning: an environment that keeps its data (prod) and pins
// no account says how to pin one; with an account it says nothing.
func TestAccountWarning(t *testing.T) {
	warns := func(cfg EnvConfig) int {
		ctx := cdkContext(t)
		delete(ctx, contextEnvironments)
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
		st := NewSyncStack(app, contract.StackName(cfg.Name), &SyncStackProps{Config: cfg, AssetDir: fakeAssetDir(t, "x")})
		if _, err := synthesize(st); err != nil {
			t.Fatal(err)
		}
		found := assertions.Annotations_FromStack(st).FindWarning(jsii.String("*"),
			assertions.Match_StringLikeRegexp(jsii.String(regexp.QuoteMeta("context.environments."+cfg.Name+".account"))))
		return len(*found)
	}
	cfg := testConfig("acct")
	if n := warns(cfg); n != 1 {
		t.Errorf("retain, no account: %d warnings, want 1", n)
	}
	cfg.Account = "123456789012"
	if n := warns(cfg); n != 0 {
		t.Errorf("retain, account pinned: %d warnings, want 0", n)
	}
}

func TestTags(t *testing.T) {
	taggable := []string{
		"AWS::SecretsManager::Secret", "AWS::Logs::LogGroup", "AWS::IAM::Role", "AWS::Lambda::Function",
		"AWS::SQS::Queue", "AWS::SNS::Topic",
	}
	for _, s := range stacks(t) {
		for _, typ := range taggable {
			check(t, s.cfg.Name+" "+typ+" tags", func() {
				s.tpl.AllResourcesProperties(jsii.String(typ), map[string]any{"Tags": assertions.Match_ArrayWith(&[]any{
					map[string]any{"Key": tagEnvironment, "Value": s.cfg.Name},
					map[string]any{"Key": tagProject, "Value": projectName},
				})})
			})
		}
	}
	cfg := testConfig("tags")
	cfg.Tags = map[string]string{"CostCenter": "1234"}
	tpl, _ := stackFor(t, cfg)
	check(t, "custom tag", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{"Tags": assertions.Match_ArrayWith(&[]any{
			map[string]any{"Key": "CostCenter", "Value": "1234"},
		})})
	})
}

func TestOutputs(t *testing.T) {
	for _, s := range stacks(t) {
		outputs, _ := s.json["Outputs"].(map[string]any)
		for _, name := range []string{"SecretArn", "SecretName", "FunctionName", "LogGroupName", "AlarmTopicArn"} {
			if _, ok := outputs[name]; !ok {
				t.Errorf("%s: no output %s", s.cfg.Name, name)
			}
		}
		if v := outputs["SecretName"].(map[string]any)["Value"]; v != contract.SecretName(s.cfg.Name) {
			t.Errorf("%s: SecretName output %v", s.cfg.Name, v)
		}
	}
}

// TestNagClean runs cdk-nag's AwsSolutions pack (added by defineApp) and
// lists every suppression: a new one must be added here, with its reason
// reviewed.
func TestNagClean(t *testing.T) {
	wantSuppressed := []string{"AwsSolutions-IAM5", "AwsSolutions-SMG4", "AwsSolutions-SQS3"}
	for _, s := range stacks(t) {
		ann := assertions.Annotations_FromStack(s.stack)
		check(t, s.cfg.Name+" nag errors", func() {
			ann.HasNoError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
		})
		check(t, s.cfg.Name+" nag warnings", func() {
			ann.HasNoWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
		})
		var suppressed []string
		for id, r := range resources(s.json) {
			md, _ := r["Metadata"].(map[string]any)
			nag, _ := md["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			for _, rule := range rules {
				rule := rule.(map[string]any)
				suppressed = append(suppressed, rule["id"].(string))
				if reason, _ := rule["reason"].(string); len(reason) < 40 {
					t.Errorf("%s %s: suppression of %s has no specific reason: %q", s.cfg.Name, id, rule["id"], reason)
				}
				if rule["id"] == "AwsSolutions-IAM5" && rule["applies_to"] == nil {
					t.Errorf("%s %s: the IAM5 suppression must name the finding it applies to", s.cfg.Name, id)
				}
			}
		}
		slices.Sort(suppressed)
		if !slices.Equal(suppressed, wantSuppressed) {
			t.Errorf("%s: suppressed %v, want %v", s.cfg.Name, suppressed, wantSuppressed)
		}
	}
}

// TestAssetHashDependsOnContentOnly: two builds of the same commit (equal
// bytes, other paths and times) must give the same asset, or every deploy
// would replace the function's code.
func TestAssetHashDependsOnContentOnly(t *testing.T) {
	s3Key := func(dir string) any {
		ctx := cdkContext(t)
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
		st := NewSyncStack(app, "Hash", &SyncStackProps{Config: testConfig("hash"), AssetDir: dir})
		tpl, err := synthesize(st)
		if err != nil {
			t.Fatal(err)
		}
		_, fn := only(t, *tpl.ToJSON(), "AWS::Lambda::Function")
		return props(fn)["Code"].(map[string]any)["S3Key"]
	}
	a := fakeAssetDir(t, "same bytes")
	b := fakeAssetDir(t, "same bytes")
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(filepath.Join(b, "bootstrap"), old, old); err != nil {
		t.Fatal(err)
	}
	if ka, kb := s3Key(a), s3Key(b); ka != kb {
		t.Errorf("same content, different asset keys: %v %v", ka, kb)
	}
	if ka, kc := s3Key(a), s3Key(fakeAssetDir(t, "other bytes")); ka == kc {
		t.Errorf("different content, same asset key %v", ka)
	}
}

func TestDefineAppErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		env        string
		alarmEmail any // -c alarmEmail, nil for none
		assetDir   string
		want       string
	}{
		{"unknown env", "staging", ciAlarmEmail, fakeAssetDir(t, "x"), `unknown environment "staging" (-c env=staging): cdk.json context "environments" defines dev, prod`},
		{"missing binary", "dev", ciAlarmEmail, t.TempDir(), "bootstrap not found: run `make build` first"},
		// The shipped prod, deployed as is (no -c alarmEmail), says where
		// its address goes.
		{"prod without alarmEmail", "prod", nil, fakeAssetDir(t, "x"), `environment "prod": alarmEmail is missing: set context.environments.prod.alarmEmail in cdk.json`},
		{"alarmEmail not a string", "dev", 1.0, fakeAssetDir(t, "x"), "-c alarmEmail: want an address or none, got 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := cdkContext(t)
			ctx[contextEnv] = tc.env
			if tc.alarmEmail != nil {
				ctx[contextAlarmEmail] = tc.alarmEmail
			}
			app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
			err := defineApp(app, tc.assetDir, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}

	// -c env=NAME defines that stack only; dev needs no -c alarmEmail
	// (its own is "none"), however prod's is still missing.
	for _, tc := range []struct {
		env        string
		alarmEmail any
	}{{"prod", ciAlarmEmail}, {"dev", nil}} {
		ctx := cdkContext(t)
		ctx[contextEnv] = tc.env
		if tc.alarmEmail != nil {
			ctx[contextAlarmEmail] = tc.alarmEmail
		}
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
		if err := defineApp(app, fakeAssetDir(t, "x"), false); err != nil {
			t.Fatalf("-c env=%s: %v", tc.env, err)
		}
		var names []string
		for _, c := range *app.Node().Children() {
			if *awscdk.Stack_IsStack(c) {
				names = append(names, *awscdk.Stack_Of(c).StackName())
			}
		}
		if !slices.Equal(names, []string{contract.StackName(tc.env)}) {
			t.Errorf("-c env=%s defines stacks %v, want only %s", tc.env, names, contract.StackName(tc.env))
		}
	}
}

// testConfig is a valid environment with the defaults, for stacks that are
// not in cdk.json.
func testConfig(name string) EnvConfig {
	cfgs, err := ParseEnvironments(map[string]any{name: map[string]any{"alarmEmail": AlarmEmailNone}}, "", Defaults{})
	if err != nil {
		panic(err)
	}
	return cfgs[0]
}

// cdkConfigs are the environments of cdk.json as CI synthesizes them.
func cdkConfigs(t *testing.T) []EnvConfig {
	t.Helper()
	cfgs, err := ParseEnvironments(cdkContext(t)[contextEnvironments], "", Defaults{AlarmEmail: ciAlarmEmail})
	if err != nil {
		t.Fatal(err)
	}
	return cfgs
}

func findConfig(t *testing.T, cfgs []EnvConfig, name string) EnvConfig {
	t.Helper()
	for _, c := range cfgs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("cdk.json has no environment %q", name)
	return EnvConfig{}
}
