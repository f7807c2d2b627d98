package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"garoon-calendar-sync/shared/contract"
)

// SyncStackProps configures one environment's stack.
type SyncStackProps struct {
	awscdk.StackProps
	Config   EnvConfig
	AssetDir string // directory holding the arm64 "bootstrap" binary (make build)
}

// NewSyncStack defines everything one environment runs on: the credentials
// secret (created empty), the function with its own role and log group, the
// schedule that starts it with a dead-letter queue, and alarms that e-mail
// an operator through an SNS topic. Each builder below returns what the next
// one needs; all constructs are children of the stack, so their logical IDs
// are the construct ids alone (the snapshots in testdata/ pin them).
func NewSyncStack(scope constructs.Construct, id string, props *SyncStackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	cfg := props.Config
	removal := awscdk.RemovalPolicy_DESTROY
	if cfg.Retain {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	secret := newSecret(stack, cfg, removal)
	logGroup := awslogs.NewLogGroup(stack, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(contract.LogGroupName(cfg.Name)),
		Retention:     logRetention[cfg.LogRetentionDays],
		RemovalPolicy: removal,
	})
	fn := newFunction(stack, cfg, props.AssetDir, secret, logGroup)
	sched := newSchedule(stack, cfg, fn)
	topic := newAlarms(stack, cfg, fn, sched)
	warnIncomplete(stack, cfg)
	tagStack(stack, cfg)

	output := func(id, value, description string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: jsii.String(value), Description: jsii.String(description)})
	}
	output("SecretArn", *secret.SecretArn(), "ARN of the credentials secret (fill it before the first run)")
	output("SecretName", contract.SecretName(cfg.Name), "Name of the credentials secret: garoon-sync secret put --env "+cfg.Name)
	output("FunctionName", *fn.FunctionName(), "The sync function")
	output("LogGroupName", *logGroup.LogGroupName(), "The function's logs: aws logs tail <name> --follow")
	output("AlarmTopicArn", *topic.TopicArn(), "SNS topic of the alarms: subscribe more endpoints here")
	return stack
}

// newSecret is the credentials secret, created without a value.
func newSecret(stack awscdk.Stack, cfg EnvConfig, removal awscdk.RemovalPolicy) awssecretsmanager.Secret {
	secret := awssecretsmanager.NewSecret(stack, jsii.String("Secret"), &awssecretsmanager.SecretProps{
		SecretName: jsii.String(contract.SecretName(cfg.Name)),
		Description: jsii.String(fmt.Sprintf(
			"garoon-calendar-sync %s credentials: a JSON object with the keys %s (optional: %s, %s, %s, %s, %s; %s only for app-password login). Fill it with `garoon-sync secret put --env %s`.",
			cfg.Name, strings.Join(contract.RequiredKeys, ", "), contract.KeyCalendarID, contract.KeyIMAPMailbox, contract.KeyGmailAuth,
			contract.KeyTimeZone, contract.KeySeriesDelete, contract.KeyGmailPassword, cfg.Name)),
		RemovalPolicy: removal,
	})
	// The L2 construct would have CloudFormation generate a random password
	// as the value. Without GenerateSecretString (and without SecretString)
	// CloudFormation creates the secret with no version at all
	// (docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html;
	// CreateSecret creates the AWSCURRENT version only "If you include
	// SecretString or SecretBinary",
	// docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html).
	// No value in the template; until someone fills it, GetSecretValue
	// answers ResourceNotFoundException "can't find the specified secret
	// value for staging label: AWSCURRENT", which the function reports as
	// "no value yet" (secret.ErrNoValue) without failing the run.
	secret.Node().DefaultChild().(awssecretsmanager.CfnSecret).AddPropertyDeletionOverride(jsii.String("GenerateSecretString"))
	cdknag.NagSuppressions_AddResourceSuppressions(secret, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SMG4"),
		Reason: jsii.String("The secret holds a Gmail app password and a Google OAuth refresh token that a person creates in Google's consoles; " +
			"no API can issue new ones, so there is nothing for a rotation function to do. Rotate by hand: garoon-sync authorize, then garoon-sync secret put."),
	}}, jsii.Bool(false))
	return secret
}

// newFunction is the sync function with a role of its own.
func newFunction(stack awscdk.Stack, cfg EnvConfig, assetDir string, secret awssecretsmanager.Secret, logGroup awslogs.LogGroup) awslambda.Function {
	return awslambda.NewFunction(stack, jsii.String("Function"), &awslambda.FunctionProps{
		FunctionName: jsii.String(resourceName(cfg.Name)),
		Description:  jsii.String("Copies Garoon schedule notices from Gmail to Google Calendar (" + cfg.Name + ")"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(assetDir), nil),
		Role:         newFunctionRole(stack, cfg, secret, logGroup),
		LogGroup:     logGroup,
		MemorySize:   jsii.Number(128),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(cfg.Timeout.Seconds())),
		// No reservation unless the environment asks for one: a new
		// account's concurrency quota is 10, and any reservation there fails
		// the deploy ("decreases account's UnreservedConcurrentExecution
		// below its minimum value of [10]",
		// docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
		// Overlapping runs are safe (the sync is idempotent), and a run lasts
		// seconds against a schedule of minutes.
		ReservedConcurrentExecutions: reservedConcurrency(cfg.ReservedConcurrency),
		// The schedule is the retry: the next run, minutes later, picks up
		// whatever a failed run left. Lambda's own retries would only repeat
		// the failure and count it three times.
		RetryAttempts: jsii.Number(0),
		// JSON logs: the function's slog handler (aws-lambda-go's
		// lambdacontext) writes JSON with the request id, and Lambda filters
		// by the application log level.
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: applicationLogLevel(cfg.LogLevel),
		SystemLogLevelV2:      systemLogLevel(),
		Environment: &map[string]*string{
			contract.EnvSecretID:     secret.SecretArn(),
			contract.EnvEnvironment:  jsii.String(cfg.Name),
			contract.EnvLookbackDays: jsii.String(strconv.Itoa(cfg.LookbackDays)),
			contract.EnvMaxDeletes:   jsii.String(strconv.Itoa(cfg.MaxDeletes)),
			contract.EnvLogLevel:     jsii.String(cfg.LogLevel),
		},
	})
}

// newFunctionRole: the function's only rights are to read its one secret
// and write its own log group. No AWS managed policy
// (AWSLambdaBasicExecutionRole would allow writing to every log group).
// Metrics go out as EMF log lines, so no cloudwatch:PutMetricData either.
func newFunctionRole(stack awscdk.Stack, cfg EnvConfig, secret awssecretsmanager.Secret, logGroup awslogs.LogGroup) awsiam.Role {
	return awsiam.NewRole(stack, jsii.String("FunctionRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("garoon-calendar-sync " + cfg.Name + " function: reads its secret, writes its log group"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"SecretAndLogs": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{
					awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
						Sid:       jsii.String("ReadTheSecret"),
						Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
						Resources: &[]*string{secret.SecretArn()},
					}),
					awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
						Sid:       jsii.String("WriteOwnLogs"),
						Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
						Resources: &[]*string{logGroup.LogGroupArn()},
					}),
				},
			}),
		},
	})
}

// scheduled is what the schedule builder hands to the alarms: the group
// whose metrics count this schedule's drops, and the dead-letter queue
// that holds the dropped runs.
type scheduled struct {
	group awsscheduler.ScheduleGroup
	dlq   awssqs.Queue
}

// newSchedule starts fn on cfg.Schedule, in a schedule group of its own,
// with a dead-letter queue for runs Scheduler could not deliver.
func newSchedule(stack awscdk.Stack, cfg EnvConfig, fn awslambda.Function) scheduled {
	name := resourceName(cfg.Name)
	dlq := awssqs.NewQueue(stack, jsii.String("ScheduleDLQ"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(dlq, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is itself the dead-letter queue of the schedule; its depth is alarmed on."),
	}}, jsii.Bool(false))

	// The schedule gets a group of its own, so that Scheduler's metrics,
	// which exist per group only (dimension ScheduleGroup,
	// docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html),
	// count this schedule and no other in the account. The group holds
	// nothing but this stack's schedule: it goes with the stack.
	group := awsscheduler.NewScheduleGroup(stack, jsii.String("ScheduleGroup"), &awsscheduler.ScheduleGroupProps{
		ScheduleGroupName: jsii.String(name),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
	})
	// No Role: the target construct creates the execution role, trusting
	// scheduler.amazonaws.com under aws:SourceAccount = this account and
	// aws:SourceArn = the schedule GROUP's ARN, which is what Scheduler
	// presents when it assumes the role ("must be your EventBridge
	// Scheduler schedule group ARN ... Do not scope the aws:SourceArn
	// statement to a specific schedule",
	// docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html).
	// It grants that role lambda:InvokeFunction on the function and
	// sqs:SendMessage on the dead-letter queue. TestSchedulerTrust pins the
	// condition.
	schedule := awsscheduler.NewSchedule(stack, jsii.String("Schedule"), &awsscheduler.ScheduleProps{
		ScheduleName:  jsii.String(name),
		ScheduleGroup: group,
		Description:   jsii.String("Starts a garoon-calendar-sync " + cfg.Name + " run"),
		Schedule:      awsscheduler.ScheduleExpression_Cron(cronOptions(cfg.Schedule)),
		Target: awsschedulertargets.NewLambdaInvoke(fn, &awsschedulertargets.ScheduleTargetBaseProps{
			DeadLetterQueue: dlq,
			RetryAttempts:   jsii.Number(2),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(1)),
		}),
	})
	// The schedule names its group by name, not by reference: without this
	// CloudFormation would not know to create the group first.
	schedule.Node().AddDependency(group)
	cdknag.NagSuppressions_AddResourceSuppressions(schedulerRolePolicy(stack), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("lambda:InvokeFunction on <function ARN>:* is how the Scheduler target grants invoking the function's versions and aliases; " +
			"the wildcard covers qualifiers of this one function only."),
		AppliesTo: &[]any{"Resource::<" + *stack.GetLogicalId(fn.Node().DefaultChild().(awscdk.CfnElement)) + ".Arn>:*"},
	}}, jsii.Bool(true))
	return scheduled{group: group, dlq: dlq}
}

// newAlarms defines the four alarms and the topic they notify, which it
// returns.
func newAlarms(stack awscdk.Stack, cfg EnvConfig, fn awslambda.Function, sched scheduled) awssns.Topic {
	// Not KMS-encrypted: notifications carry only alarm names and states,
	// and CloudWatch cannot publish to a topic under the AWS managed aws/sns
	// key; a customer managed key would cost more than the rest of the stack.
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("garoon-calendar-sync " + cfg.Name + " alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	if cfg.AlarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AlarmEmail), nil))
	}
	alarms := []awscloudwatch.Alarm{
		errorsAlarm(stack, cfg, fn),
		invalidGrantAlarm(stack, cfg),
		scheduleDroppedAlarm(stack, cfg, sched),
		didNotRunAlarm(stack, cfg, fn, sched.dlq),
	}
	action := awscloudwatchactions.NewSnsAction(topic)
	alarmArns := make([]*string, len(alarms))
	for i, a := range alarms {
		a.AddAlarmAction(action)
		alarmArns[i] = a.AlarmArn()
	}
	// enforceSSL replaces SNS's default topic policy, which let the account
	// (and so CloudWatch) publish. Without this statement the alarms change
	// state but no notification is ever sent.
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]any{
			"ArnEquals":    map[string]any{"aws:SourceArn": alarmArns},
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		},
	}))
	return topic
}

// alarmPeriod is the period of the alarms that fire on a single event.
func alarmPeriod() *awscloudwatch.MetricOptions {
	return &awscloudwatch.MetricOptions{
		Period:    awscdk.Duration_Minutes(jsii.Number(15)),
		Statistic: jsii.String("Sum"),
	}
}

func errorsAlarm(stack awscdk.Stack, cfg EnvConfig, fn awslambda.Function) awscloudwatch.Alarm {
	return newAlarm(stack, "ErrorsAlarm", resourceName(cfg.Name)+"-errors", fn.MetricErrors(alarmPeriod()),
		fmt.Sprintf("A garoon-calendar-sync %s run failed. Run `%s` to see what is wrong, or read the run's summary line (its fix field names the command): "+
			"aws logs tail %s --since 1h --filter-pattern ERROR. Nothing is lost: the next run retries every notice that was not applied.",
			cfg.Name, contract.FixDiagnose(cfg.Name), contract.LogGroupName(cfg.Name)))
}

func invalidGrantAlarm(stack awscdk.Stack, cfg EnvConfig) awscloudwatch.Alarm {
	return newAlarm(stack, "InvalidGrantAlarm", resourceName(cfg.Name)+"-invalid-grant", awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(contract.MetricNamespace),
		MetricName:    jsii.String(contract.MetricInvalidGrant),
		DimensionsMap: &map[string]*string{contract.MetricDimension: jsii.String(cfg.Name)},
		Period:        awscdk.Duration_Minutes(jsii.Number(15)),
		Statistic:     jsii.String("Sum"),
	}), fmt.Sprintf("Google refused the refresh token (invalid_grant: revoked, expired or the password changed); no event is synced until it is replaced. "+
		"Fix: %s (when Gmail logs in with the token too, because the secret's %s is %s or it has no %s: add --gmail after authorize; the run's summary line names the exact command)",
		contract.FixInvalidGrant(cfg.Name), contract.KeyGmailAuth, contract.GmailAuthOAuth, contract.KeyGmailPassword))
}

// scheduleDroppedAlarm: Scheduler gave a run up after its retries (the
// function deleted, its permissions or the scheduler role changed) and put
// the event into the schedule's dead-letter queue; Lambda's own metrics
// cannot see this, the function never started. The alarm watches the
// queue's depth, which says it whatever Scheduler's own metrics do for a
// schedule with a DLQ (InvocationsSentToDeadLetterCount is "additional"
// to InvocationDroppedCount there, and the page does not say whether the
// latter is still emitted: docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html).
// SQS metrics cost nothing; the alarm stays on until someone purges the
// queue. If Scheduler cannot even write to the queue, the did-not-run
// alarm fires.
func scheduleDroppedAlarm(stack awscdk.Stack, cfg EnvConfig, sched scheduled) awscloudwatch.Alarm {
	name := resourceName(cfg.Name)
	return newAlarm(stack, "ScheduleDroppedAlarm", name+"-schedule-dropped", sched.dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
		Period:    awscdk.Duration_Minutes(jsii.Number(5)),
		Statistic: jsii.String("Maximum"),
	}),
		fmt.Sprintf("EventBridge Scheduler could not deliver a scheduled run to the function %s after its retries, so that run did not happen; "+
			"its dead-letter queue holds the event with the error that stopped it: "+
			"aws sqs receive-message --message-attribute-names All --queue-url %s . "+
			"Fix the cause (function deleted or renamed, its permissions or the scheduler role changed), then purge the queue: "+
			"aws sqs purge-queue --queue-url %s . Nothing is lost: the next run picks up every notice still waiting.", name, *sched.dlq.QueueUrl(), *sched.dlq.QueueUrl()))
}

// didNotRunAlarm fires when the function has not been invoked for
// cfg.DidNotRun, whatever the reason: the schedule disabled or deleted, its
// role broken (Scheduler then cannot even write to the dead-letter queue),
// the function throttled. Lambda publishes Invocations only for minutes
// with invocations, so "no data" is the signal: missing data breaches.
func didNotRunAlarm(stack awscdk.Stack, cfg EnvConfig, fn awslambda.Function, dlq awssqs.Queue) awscloudwatch.Alarm {
	name := resourceName(cfg.Name)
	period, periods := didNotRunPeriods(cfg.DidNotRun)
	return awscloudwatch.NewAlarm(stack, jsii.String("DidNotRunAlarm"), &awscloudwatch.AlarmProps{
		AlarmName: jsii.String(name + "-did-not-run"),
		AlarmDescription: jsii.String(fmt.Sprintf("The function %s has not been invoked for %s, although its schedule (%s, Asia/Tokyo) should have started it. "+
			"Check the schedule: aws scheduler get-schedule --group-name %s --name %s (State ENABLED?); "+
			"the dead-letter queue for delivery errors: aws sqs receive-message --message-attribute-names All --queue-url %s ; "+
			"then `%s`. Nothing is lost while it does not run: the next run picks up every notice within the lookback window.",
			name, humanDuration(cfg.DidNotRun), cronText(cfg.Schedule), name, name, *dlq.QueueUrl(), contract.FixDiagnose(cfg.Name))),
		Metric: fn.MetricInvocations(&awscloudwatch.MetricOptions{
			Period:    awscdk.Duration_Minutes(jsii.Number(period.Minutes())),
			Statistic: jsii.String("Sum"),
		}),
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(float64(periods)),
		DatapointsToAlarm:  jsii.Number(float64(periods)),
		TreatMissingData:   awscloudwatch.TreatMissingData_BREACHING,
	})
}

// warnIncomplete: synth succeeds either way; these warnings say what a
// deploy would lack.
func warnIncomplete(stack awscdk.Stack, cfg EnvConfig) {
	if cfg.AlarmEmail == "" {
		awscdk.Annotations_Of(stack).AddWarningV2(jsii.String(warnNoAlarmEmail), jsii.String(fmt.Sprintf(
			"%s: alarmEmail is %q: its alarms notify nobody. Set context.environments.%s.alarmEmail in cdk.json to an address (and confirm the subscription mail), "+
				"or subscribe to the AlarmTopicArn output yourself.", cfg.Name, AlarmEmailNone, cfg.Name)))
	}
	if cfg.Retain && cfg.Account == "" {
		awscdk.Annotations_Of(stack).AddWarningV2(jsii.String(warnNoAccount), jsii.String(fmt.Sprintf(
			"%s: no account is pinned, so it deploys to whichever account the CLI's credentials belong to. "+
				"Set context.environments.%s.account in cdk.json to the 12-digit account ID (aws sts get-caller-identity).", cfg.Name, cfg.Name)))
	}
}

// tagStack tags every resource with the project, the environment and the
// environment's own tags.
func tagStack(stack awscdk.Stack, cfg EnvConfig) {
	tags := awscdk.Tags_Of(stack)
	tags.Add(jsii.String(tagProject), jsii.String(projectName), nil)
	tags.Add(jsii.String(tagEnvironment), jsii.String(cfg.Name), nil)
	for _, k := range slices.Sorted(maps.Keys(cfg.Tags)) {
		tags.Add(jsii.String(k), jsii.String(cfg.Tags[k]), nil)
	}
}

// resourceName is the name of the function and its schedule; the CLI finds
// the function's logs by it (contract.LogGroupName).
func resourceName(env string) string { return contract.FunctionName(env) }

func cronOptions(s Schedule) *awsscheduler.CronOptionsWithTimezone {
	o := &awsscheduler.CronOptionsWithTimezone{
		Minute:   jsii.String(s.Minute),
		Hour:     jsii.String(s.Hours),
		TimeZone: awscdk.TimeZone_Of(jsii.String(contract.DefaultTimeZone)),
	}
	if s.WeekDays != "*" {
		o.WeekDay = jsii.String(s.WeekDays)
	}
	return o
}

// IDs of the warnings NewSyncStack attaches to a stack.
const (
	warnNoAlarmEmail = "garoon-calendar-sync:noAlarmEmail"
	warnNoAccount    = "garoon-calendar-sync:noAccount"
)

// schedulerRolePolicy is the default policy of the execution role that the
// Scheduler target construct creates (id "SchedulerRoleForTarget-<hash>").
func schedulerRolePolicy(stack awscdk.Stack) constructs.IConstruct {
	for _, c := range *stack.Node().Children() {
		if strings.HasPrefix(*c.Node().Id(), "SchedulerRoleForTarget-") {
			return c.Node().FindChild(jsii.String("DefaultPolicy"))
		}
	}
	panic("the Scheduler target created no role")
}

func reservedConcurrency(n int) *float64 {
	if n == 0 {
		return nil
	}
	return jsii.Number(float64(n))
}

// cronText is the schedule as its three fields, for alarm texts.
func cronText(s Schedule) string {
	return fmt.Sprintf("minute %s, hours %s, days %s", s.Minute, s.Hours, s.WeekDays)
}

// humanDuration is a whole number of minutes, hours or days, as in "15
// minutes" or "2 days 10 hours".
func humanDuration(d time.Duration) string {
	m := int(d.Minutes())
	unit := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + one + "s"
	}
	var parts []string
	if days := m / (24 * 60); days > 0 {
		parts = append(parts, unit(days, "day"))
	}
	if h := m / 60 % 24; h > 0 {
		parts = append(parts, unit(h, "hour"))
	}
	if mm := m % 60; mm > 0 || len(parts) == 0 {
		parts = append(parts, unit(mm, "minute"))
	}
	return strings.Join(parts, " ")
}

// newAlarm alarms as soon as one period's value reaches 1. Missing data is
// fine: these metrics exist only when something went wrong (the function
// publishes InvalidGrant only when it is 1; Scheduler and Lambda publish no
// zero datapoints for minutes without drops or invocations).
func newAlarm(scope constructs.Construct, id, name string, metric awscloudwatch.IMetric, description string) awscloudwatch.Alarm {
	return awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(name),
		AlarmDescription:   jsii.String(description),
		Metric:             metric,
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}

// systemLogLevel: Lambda's own lines at INFO in every environment: START,
// END and REPORT, which carries the billed duration, the max memory used
// and the init duration (docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html:
// WARN keeps only platform warnings and errors). Three lines per run cost
// a fraction of a cent a month; without them nobody can see a run creep
// towards its memory or time limit.
func systemLogLevel() awslambda.SystemLogLevel { return awslambda.SystemLogLevel_INFO }

// applicationLogLevel maps the validated config level to Lambda's.
func applicationLogLevel(level string) awslambda.ApplicationLogLevel {
	switch level {
	case "debug":
		return awslambda.ApplicationLogLevel_DEBUG
	case "warn":
		return awslambda.ApplicationLogLevel_WARN
	case "error":
		return awslambda.ApplicationLogLevel_ERROR
	}
	return awslambda.ApplicationLogLevel_INFO
}
