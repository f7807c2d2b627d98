package main

import (
	"encoding/json"
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
	return ParseEnvironments(raw)
}

func TestParseDefaults(t *testing.T) {
	cfgs, err := parseJSON(t, `{"qa": {}}`)
	if err != nil {
		t.Fatal(err)
	}
	got := cfgs[0]
	if got.Name != "qa" || got.Account != "" || got.Region != "" ||
		got.Schedule != (Schedule{contract.DefaultScheduleMinute, "*", "*"}) ||
		got.Timeout != 2*time.Minute || got.LookbackDays != contract.DefaultLookbackDays ||
		got.MaxDeletes != contract.DefaultMaxDeletes || got.LogLevel != "info" ||
		got.LogRetentionDays != 30 || got.AlarmEmail != "" || !got.Retain || len(got.Tags) != 0 {
		t.Errorf("defaults: %+v", got)
	}
}

func TestParseFull(t *testing.T) {
	cfgs, err := parseJSON(t, `{"prod": {
		"account": "123456789012", "region": "ap-northeast-1",
		"schedule": {"minute": "5,35", "hours": "7-22", "weekDays": "MON-FRI"},
		"timeoutSeconds": 300, "lookbackDays": 30, "maxDeletes": 0, "logLevel": "warn",
		"logRetentionDays": 731, "alarmEmail": "ops@example.com", "removalPolicy": "destroy",
		"tags": {"CostCenter": "42"}
	}, "dev": {"maxDeletes": -1}}`)
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
		p.AlarmEmail != "ops@example.com" || p.Retain || p.Tags["CostCenter"] != "42" {
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
		{"alarm email", `{"prod": {"alarmEmail": "Ops <ops@example.com>"}}`, []string{`alarmEmail "Ops <ops@example.com>"`}},
		{"removal policy", `{"prod": {"removalPolicy": "snapshot"}}`, []string{`removalPolicy "snapshot"`}},
		{"reserved tag", `{"prod": {"tags": {"Environment": "x"}}}`, []string{"tags.Environment", "sets this tag itself"}},
		{"aws tag", `{"prod": {"tags": {"aws:foo": "x"}}}`, []string{`tags key "aws:foo"`}},
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
	if _, err := ParseEnvironments(nil); err == nil || !strings.Contains(err.Error(), `context "environments" is missing`) {
		t.Errorf("err = %v", err)
	}
}

func TestSelectEnvironments(t *testing.T) {
	cfgs, err := parseJSON(t, `{"dev": {}, "prod": {}}`)
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := SelectEnvironments(cfgs, ""); len(all) != 2 {
		t.Errorf("no -c env: %d environments, want all 2", len(all))
	}
	if one, _ := SelectEnvironments(cfgs, "prod"); len(one) != 1 || one[0].Name != "prod" {
		t.Errorf("-c env=prod: %+v", one)
	}
	_, err = SelectEnvironments(cfgs, "stg")
	if err == nil || !strings.Contains(err.Error(), `unknown environment "stg"`) || !strings.Contains(err.Error(), "defines dev, prod") {
		t.Errorf("err = %v", err)
	}
}

// TestProjectConfig: the environments in the project's cdk.json are valid
// and keep their promises (dev and prod exist; prod keeps its data).
func TestProjectConfig(t *testing.T) {
	cfgs := cdkConfigs(t)
	dev, prod := findConfig(t, cfgs, "dev"), findConfig(t, cfgs, "prod")
	if dev.Schedule.Minute != contract.DefaultScheduleMinute || prod.Schedule.Minute != contract.DefaultScheduleMinute {
		t.Errorf("schedules: dev %+v prod %+v, want every 15 minutes", dev.Schedule, prod.Schedule)
	}
	if !prod.Retain {
		t.Error("prod must retain its secret and logs")
	}
	ctx := cdkContext(t)
	if ctx["cli-telemetry"] != false {
		t.Error(`cdk.json: "cli-telemetry": false must be inside "context"`)
	}
}
