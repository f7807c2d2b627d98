// Command infra is the CDK app: one stack per deployment environment, each
// configured by an object in cdk.json's "environments" context. `cdk synth`
// (make synth ENV=dev) runs it; `-c env=NAME` restricts it to one stack;
// `-c alarmEmail=none` (make synth-all ALARM_EMAIL=none, what CI runs)
// stands in for the alarmEmail of environments that name none.
//
// Synth needs no AWS credentials: nothing here looks anything up in an
// account. The only input besides cdk.json is the function binary that
// `make build` writes to dist/function/bootstrap.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"garoon-calendar-sync/shared/contract"
)

// assetDirEnv overrides where the function binary is read from (tests).
const (
	assetDirEnv     = "GAROON_SYNC_ASSET_DIR"
	defaultAssetDir = "dist/function"
)

func main() {
	app := awscdk.NewApp(nil)
	assetDir := os.Getenv(assetDirEnv)
	if assetDir == "" {
		assetDir = defaultAssetDir
	}
	err := defineApp(app, assetDir, true)
	if err == nil {
		app.Synth(nil)
	}
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

// defineApp adds the stacks selected by the app's context to app, with the
// cdk-nag AwsSolutions checks over all of them. main and the tests share it,
// so the tests check exactly what synth deploys.
func defineApp(app awscdk.App, assetDir string, nagReports bool) error {
	selected, err := contextString(app, contextEnv, "an environment name")
	if err != nil {
		return err
	}
	alarmEmail, err := contextString(app, contextAlarmEmail, "an address or "+AlarmEmailNone)
	if err != nil {
		return err
	}
	cfgs, err := ParseEnvironments(app.Node().TryGetContext(jsii.String(contextEnvironments)), selected, Defaults{AlarmEmail: alarmEmail})
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(assetDir, "bootstrap")); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s not found: run `make build` first (or set %s)", filepath.Join(assetDir, "bootstrap"), assetDirEnv)
		}
		return err
	}
	for _, cfg := range cfgs {
		NewSyncStack(app, contract.StackName(cfg.Name), &SyncStackProps{
			StackProps: awscdk.StackProps{
				Env:         stackEnv(cfg),
				Description: jsii.String("garoon-calendar-sync " + cfg.Name + ": Garoon schedule mails in Gmail to Google Calendar"),
			},
			Config:   cfg,
			AssetDir: assetDir,
		})
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
		Verbose: jsii.Bool(true),
		Reports: jsii.Bool(nagReports),
	}), nil)
	return nil
}

// contextString is the string context value key (-c key=value), "" when
// it is not set.
func contextString(app awscdk.App, key, want string) (string, error) {
	v := app.Node().TryGetContext(jsii.String(key))
	if v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("-c %s: want %s, got %v", key, want, v)
	}
	return s, nil
}

// stackEnv pins the account and region an environment configures; what it
// leaves out comes from the CLI's credentials at deploy time.
func stackEnv(cfg EnvConfig) *awscdk.Environment {
	if cfg.Account == "" && cfg.Region == "" {
		return nil
	}
	env := &awscdk.Environment{}
	if cfg.Account != "" {
		env.Account = jsii.String(cfg.Account)
	}
	if cfg.Region != "" {
		env.Region = jsii.String(cfg.Region)
	}
	return env
}
