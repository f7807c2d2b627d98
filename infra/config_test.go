package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"garoon-calendar-sync/shared/contract"
)

func parseJSON(t *testing.T, s string) ([]EnvConfig, error) {
	t.Helper()
	var raw any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		t.Fatalf("test input: %v", err)
	}
	return ParseEnvironments(raw, "", Defaults{})
}

func TestParseDefaults(t *testing.T) {
	cfgs, err := parseJSON(t, `{"qa": {"alarmEmail": "none"}}`)
	if err != nil {
		t.Fatal(err)
	}
	got := cfgs[0]
	if got.Name != "qa" || got.Account != "" || got.Region != "" ||
		got.Schedule != (Schedule{contract.DefaultScheduleMinute, "*", "*"}) ||
		got.Timeout != 2*time.Minute || got.LookbackDays != contract.DefaultLookbackDays ||
		got.MaxDeletes != contract.DefaultMaxDeletes || got.LogLevel != "info" ||
		got.LogRetentionDays != 30 || got.AlarmEmail != "" || !got.Retain || len(got.Tags) != 0 ||
		got.ReservedConcurrency != 0 || got.DidNotRun != 15*time.Minute {
		t.Errorf("defaults: %+v", got)
	}
}

func TestParseFull(t *testing.T) {
	cfgs, err := parseJSON(t, `{"prod": {
		"account": "123456789012", "region": "ap-northeast-1",
		"schedule": {"minute": "5,35", "hours": "7-22", "weekDays": "MON-FRI"},
		"timeoutSeconds": 300, "lookbackDays": 30, "maxDeletes": 0, "logLevel": "warn",
		"logRetentionDays": 731, "alarmEmail": "ops@example.com", "removalPolicy": "destroy",
		"tags": {"CostCenter": "42"}, "reservedConcurrency": 1, "didNotRunMinutes": 4320
	}, "dev": {"maxDeletes": -1, "alarmEmail": "none"}}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 2 || cfgs[0].Name != "dev" || cfgs[1].Name != "prod" {
		t.Fatalf("want dev and prod sorted by name, got %+v", cfgs)
	}
	if cfgs[0].MaxDeletes != -1 {
		t.Errorf("dev maxDeletes = %d", cfgs[0].MaxDeletes)
	}
	p := cfgs[1]
	if p.Account != "123456789012" || p.Region != "ap-northeast-1" ||
		p.Schedule != (Schedule{"5,35", "7-22", "MON-FRI"}) || p.Timeout != 5*time.Minute ||
		p.LookbackDays != 30 || p.MaxDeletes != 0 || p.LogLevel != "warn" || p.LogRetentionDays != 731 ||
		p.AlarmEmail != "ops@example.com" || p.Retain || p.Tags["CostCenter"] != "42" ||
		p.ReservedConcurrency != 1 || p.DidNotRun != 72*time.Hour {
		t.Errorf("prod: %+v", p)
	}
}

// TestParseErrors: every invalid value fails synth with a message that
// names the environment and the field.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		want        []string
	}{
		{"no environments", `{}`, []string{"defines no environment"}},
		{"not an object", `["dev"]`, []string{`"environments" must be an object`}},
		{"bad name", `{"Prod": {}}`, []string{`environment "Prod"`, "lower-case"}},
		{"unknown field", `{"dev": {"schedul": {}}}`, []string{`environment "dev"`, `unknown field "schedul"`}},
		{"wrong type", `{"dev": {"timeoutSeconds": "120"}}`, []string{`environment "dev"`, "timeoutSeconds", "want a int"}},
		{"bad account", `{"dev": {"account": "1234"}}`, []string{`environment "dev"`, `account "1234"`}},
		{"bad region", `{"dev": {"region": "tokyo"}}`, []string{`environment "dev"`, `region "tokyo"`}},
		{"bad minute", `{"dev": {"schedule": {"minute": "0/75"}}}`, []string{`environment "dev"`, `schedule.minute "0/75"`, "step"}},
		{"minute out of range", `{"dev": {"schedule": {"minute": "60"}}}`, []string{`schedule.minute "60"`, `"60" is not a number 0-59`}},
		{"cron garbage", `{"dev": {"schedule": {"minute": "*/15 * * * *"}}}`, []string{`schedule.minute "*/15 * * * *"`}},
		{"bad hours", `{"prod": {"schedule": {"hours": "7-25"}}}`, []string{`environment "prod"`, `schedule.hours "7-25"`, `"25" is not a number 0-23`}},
		{"backwards hours", `{"prod": {"schedule": {"hours": "22-7"}}}`, []string{`schedule.hours "22-7"`, "backwards"}},
		{"empty hours", `{"prod": {"schedule": {"hours": ""}}}`, []string{`schedule.hours ""`, "empty"}},
		{"bad weekday", `{"prod": {"schedule": {"weekDays": "MON-FRY"}}}`, []string{`schedule.weekDays "MON-FRY"`, `"FRY" is neither a day name`}},
		{"weekday step", `{"prod": {"schedule": {"weekDays": "MON/2"}}}`, []string{`schedule.weekDays "MON/2"`, "steps"}},
		{"timeout", `{"dev": {"timeoutSeconds": 901}}`, []string{`environment "dev"`, "timeoutSeconds 901"}},
		{"lookback", `{"dev": {"lookbackDays": 0}}`, []string{"lookbackDays 0"}},
		{"max deletes", `{"dev": {"maxDeletes": -2}}`, []string{"maxDeletes -2"}},
		{"log level", `{"dev": {"logLevel": "verbose"}}`, []string{`logLevel "verbose"`}},
		{"retention", `{"prod": {"logRetentionDays": 100}}`, []string{`environment "prod"`, "logRetentionDays 100", "CloudWatch Logs accepts only 1, 3, 5, 7, 14, 30, 60, 90,"}},
		{"alarm email", `{"prod": {"alarmEmail": "Ops <ops@example.com>"}}`, []string{`alarmEmail "Ops <ops@example.com>"`, "context.environments.prod.alarmEmail"}},
		// Where to put it, and how to opt out, in the message.
		{"no alarm email", `{"prod": {}}`, []string{`environment "prod"`, "alarmEmail is missing", "set context.environments.prod.alarmEmail in cdk.json", `"none"`}},
		{"empty alarm email", `{"prod": {"alarmEmail": ""}}`, []string{"alarmEmail is missing", "context.environments.prod.alarmEmail"}},
		{"reserved concurrency 0", `{"dev": {"reservedConcurrency": 0}}`, []string{"reservedConcurrency 0", "leave the field out"}},
		{"reserved concurrency", `{"dev": {"reservedConcurrency": 1001}}`, []string{"reservedConcurrency 1001"}},
		{"did not run too short", `{"dev": {"didNotRunMinutes": 9}}`, []string{"didNotRunMinutes 9", "want 10 to 10080", "longest pause between two runs (5 minutes)"}},
		{"did not run weekend", `{"dev": {"schedule": {"hours": "7-22", "weekDays": "MON-FRI"}, "didNotRunMinutes": 600}}`, []string{"didNotRunMinutes 600", "(3365 minutes)"}},
		{"did not run too long", `{"dev": {"didNotRunMinutes": 10081}}`, []string{"didNotRunMinutes 10081", "7-day"}},
		{"removal policy", `{"prod": {"removalPolicy": "snapshot", "alarmEmail": "none"}}`, []string{`removalPolicy "snapshot"`}},
		{"reserved tag", `{"prod": {"tags": {"Environment": "x"}, "alarmEmail": "none"}}`, []string{"tags.Environment", "sets this tag itself"}},
		{"aws tag", `{"prod": {"tags": {"aws:foo": "x"}, "alarmEmail": "none"}}`, []string{`tags key "aws:foo"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseJSON(t, tc.input)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseMissingContext(t *testing.T) {
	if _, err := ParseEnvironments(nil, "", Defaults{}); err == nil || !strings.Contains(err.Error(), `context "environments" is missing`) {
		t.Errorf("err = %v", err)
	}
}

func TestSelectEnvironments(t *testing.T) {
	var raw any
	if err := json.Unmarshal([]byte(`{"dev": {"alarmEmail": "none"}, "prod": {}}`), &raw); err != nil {
		t.Fatal(err)
	}
	ok := Defaults{AlarmEmail: AlarmEmailNone}
	if all, err := ParseEnvironments(raw, "", ok); err != nil || len(all) != 2 || all[0].Name != "dev" || all[1].Name != "prod" {
		t.Errorf("no -c env: %+v %v, want dev and prod", all, err)
	}
	if one, err := ParseEnvironments(raw, "prod", ok); err != nil || len(one) != 1 || one[0].Name != "prod" {
		t.Errorf("-c env=prod: %+v %v", one, err)
	}
	_, err := ParseEnvironments(raw, "stg", ok)
	if err == nil || !strings.Contains(err.Error(), `unknown environment "stg"`) || !strings.Contains(err.Error(), "defines dev, prod") {
		t.Errorf("err = %v", err)
	}
	// prod's missing alarmEmail holds up prod (and a synth of all), not dev.
	if one, err := ParseEnvironments(raw, "dev", Defaults{}); err != nil || len(one) != 1 || one[0].Name != "dev" {
		t.Errorf("-c env=dev, prod without alarmEmail: %+v %v, want dev", one, err)
	}
	for _, sel := range []string{"prod", ""} {
		if _, err := ParseEnvironments(raw, sel, Defaults{}); err == nil || !strings.Contains(err.Error(), `environment "prod": alarmEmail is missing`) {
			t.Errorf("-c env=%q, prod without alarmEmail: err = %v", sel, err)
		}
	}
	// Any other mistake in prod fails a dev synth too.
	if err := json.Unmarshal([]byte(`{"dev": {"alarmEmail": "none"}, "prod": {"logLevel": "loud"}}`), &raw); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseEnvironments(raw, "dev", Defaults{}); err == nil || !strings.Contains(err.Error(), `environment "prod": logLevel "loud"`) {
		t.Errorf("-c env=dev, broken prod: err = %v", err)
	}
}

// TestAlarmEmailDefault: -c alarmEmail=… (Defaults.AlarmEmail) fills in
// an environment that leaves alarmEmail out or empty, and only that: an
// environment's own value, valid or not, is never replaced.
func TestAlarmEmailDefault(t *testing.T) {
	for _, tc := range []struct {
		name, input, def string
		want             string // AlarmEmail, when no error is wanted
		wantErr          []string
	}{
		{name: "absent, none", input: `{"prod": {}}`, def: "none", want: ""},
		{name: "empty, none", input: `{"prod": {"alarmEmail": ""}}`, def: "none", want: ""},
		{name: "absent, address", input: `{"prod": {}}`, def: "ops@example.com", want: "ops@example.com"},
		{name: "own address wins", input: `{"prod": {"alarmEmail": "me@example.com"}}`, def: "none", want: "me@example.com"},
		{name: "own none wins", input: `{"prod": {"alarmEmail": "none"}}`, def: "ops@example.com", want: ""},
		{name: "own value still checked", input: `{"prod": {"alarmEmail": "me"}}`, def: "none",
			wantErr: []string{`environment "prod"`, `alarmEmail "me"`, "context.environments.prod.alarmEmail"}},
		{name: "bad default", input: `{"prod": {"alarmEmail": "me@example.com"}}`, def: "Ops <ops@example.com>",
			wantErr: []string{"-c alarmEmail=Ops <ops@example.com>", "want a bare address"}},
		{name: "no default", input: `{"prod": {}}`, def: "",
			wantErr: []string{"alarmEmail is missing: set context.environments.prod.alarmEmail in cdk.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var raw any
			if err := json.Unmarshal([]byte(tc.input), &raw); err != nil {
				t.Fatal(err)
			}
			cfgs, err := ParseEnvironments(raw, "", Defaults{AlarmEmail: tc.def})
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, AlarmEmail %q", cfgs[0].AlarmEmail)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfgs[0].AlarmEmail != tc.want {
				t.Errorf("AlarmEmail %q, want %q", cfgs[0].AlarmEmail, tc.want)
			}
		})
	}
}

// TestProjectConfig: the environments in the project's cdk.json are valid
// and keep their promises (dev and prod exist; prod keeps its data; prod
// names no alarm address, so that its deploy fails until someone puts one
// in, while CI synthesizes it with -c alarmEmail=none).
func TestProjectConfig(t *testing.T) {
	_, err := ParseEnvironments(cdkContext(t)[contextEnvironments], "", Defaults{})
	if err == nil || !strings.Contains(err.Error(), `environment "prod": alarmEmail is missing: set context.environments.prod.alarmEmail in cdk.json`) {
		t.Errorf("cdk.json without -c alarmEmail: err = %v, want prod's alarmEmail is missing", err)
	}
	cfgs := cdkConfigs(t)
	dev, prod := findConfig(t, cfgs, "dev"), findConfig(t, cfgs, "prod")
	// Every 5 minutes around the clock: a notice sent on Friday evening
	// must not wait until Monday.
	every5 := Schedule{"0/5", "*", "*"}
	if dev.Schedule != every5 || prod.Schedule != every5 || contract.DefaultScheduleMinute != "0/5" {
		t.Errorf("schedules: dev %+v prod %+v default minute %q, want %+v", dev.Schedule, prod.Schedule, contract.DefaultScheduleMinute, every5)
	}
	if dev.ReservedConcurrency != 0 || prod.ReservedConcurrency != 0 {
		t.Error("cdk.json must not reserve concurrency by default (a new account's quota of 10 refuses any reservation)")
	}
	if !prod.Retain {
		t.Error("prod must retain its secret and logs")
	}
	ctx := cdkContext(t)
	if ctx["cli-telemetry"] != false {
		t.Error(`cdk.json: "cli-telemetry": false must be inside "context"`)
	}
}

// TestScheduleGaps: the pauses the "did not run" alarm must wait out.
func TestScheduleGaps(t *testing.T) {
	for _, tc := range []struct {
		s                 Schedule
		shortest, longest time.Duration
	}{
		{Schedule{"0/5", "*", "*"}, 5 * time.Minute, 5 * time.Minute},
		{Schedule{"*/10", "*", "*"}, 10 * time.Minute, 10 * time.Minute},
		{Schedule{"5,35", "*", "*"}, 30 * time.Minute, 30 * time.Minute},
		{Schedule{"0/20", "8,12", "*"}, 20 * time.Minute, 20*time.Hour - 40*time.Minute},
		// Friday 22:45 to Monday 07:00.
		{Schedule{"0/15", "7-22", "MON-FRI"}, 15 * time.Minute, 56*time.Hour + 15*time.Minute},
		{Schedule{"0", "9", "SUN"}, 7 * 24 * time.Hour, 7 * 24 * time.Hour},
	} {
		g := scheduleGaps(tc.s)
		if g.shortest != tc.shortest || g.longest != tc.longest {
			t.Errorf("%+v: gaps %v..%v, want %v..%v", tc.s, g.shortest, g.longest, tc.shortest, tc.longest)
		}
	}
}

func TestCronValues(t *testing.T) {
	for _, tc := range []struct {
		field string
		want  []int
	}{
		{"0/15", []int{0, 15, 30, 45}},
		{"*/20", []int{0, 20, 40}},
		{"10-20/5", []int{10, 15, 20}},
		{"5,35", []int{5, 35}},
		{"58-59", []int{58, 59}},
	} {
		set, err := cronValues(tc.field, 0, 59, nil, true)
		if err != nil {
			t.Fatalf("%s: %v", tc.field, err)
		}
		var got []int
		for v, ok := range set {
			if ok {
				got = append(got, v)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v, want %v", tc.field, got, tc.want)
		}
	}
	days, err := cronValues("MON-FRI", 1, 7, weekDayNumbers, false)
	if err != nil || days[1] || !days[2] || !days[6] || days[7] {
		t.Errorf("MON-FRI: %v %v", days, err)
	}
}
