package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

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
// an operator through an SNS topic.
func NewSyncStack(scope constructs.Construct, id string, props *SyncStackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	cfg := props.Config
	name := resourceName(cfg.Name)

	removal := awscdk.RemovalPolicy_DESTROY
	if cfg.Retain {
		removal = awscdk.RemovalPolicy_RETAIN
	}

	secret := awssecretsmanager.NewSecret(stack, jsii.String("Secret"), &awssecretsmanager.SecretProps{
		SecretName: jsii.String(contract.SecretName(cfg.Name)),
		Description: jsii.String(fmt.Sprintf(
			"garoon-calendar-sync %s credentials: a JSON object with the keys %s (optional: %s, %s, %s; %s only for app-password login). Fill it with `garoon-sync secret put --env %s`.",
			cfg.Name, strings.Join(contract.RequiredKeys, ", "), contract.KeyCalendarID, contract.KeyIMAPMailbox, contract.KeyGmailAuth, contract.KeyGmailPassword, cfg.Name)),
		RemovalPolicy: removal,
	})
	// The L2 construct would have CloudFormation generate a random password
	// as the value. Without GenerateSecretString the secret starts empty: no
	// value in the template, and a clear "no value" error until someone
	// fills it.
	secret.Node().DefaultChild().(awssecretsmanager.CfnSecret).AddPropertyDeletionOverride(jsii.String("GenerateSecretString"))
	cdknag.NagSuppressions_AddResourceSuppressions(secret, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SMG4"),
		Reason: jsii.String("The secret holds a Gmail app password and a Google OAuth refresh token that a person creates in Google's consoles; " +
			"no API can issue new ones, so there is nothing for a rotation function to do. Rotate by hand: garoon-sync authorize, then garoon-sync secret put."),
	}}, jsii.Bool(false))

	logGroupName := contract.LogGroupName(cfg.Name)
	logGroup := awslogs.NewLogGroup(stack, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(logGroupName),
		Retention:     logRetention[cfg.LogRetentionDays],
		RemovalPolicy: removal,
	})

	// The function's only rights: read its one secret, write its own log
	// group. No AWS managed policy (AWSLambdaBasicExecutionRole would allow
	// writing to every log group). Metrics go out as EMF log lines, so no
	// cloudwatch:PutMetricData either.
	role := awsiam.NewRole(stack, jsii.String("FunctionRole"), &awsiam.RoleProps{
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

	fn := awslambda.NewFunction(stack, jsii.String("Function"), &awslambda.FunctionProps{
		FunctionName: jsii.String(name),
		Description:  jsii.String("Copies Garoon schedule notices from Gmail to Google Calendar (" + cfg.Name + ")"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(props.AssetDir), nil),
		Role:         role,
		LogGroup:     logGroup,
		MemorySize:   jsii.Number(128),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(cfg.Timeout.Seconds())),
		// One run at a time: two overlapping runs would be safe, but useless.
		ReservedConcurrentExecutions: jsii.Number(1),
		// The schedule is the retry: the next run, minutes later, picks up
		// whatever a failed run left. Lambda's own retries would only repeat
		// the failure and count it three times.
		RetryAttempts: jsii.Number(0),
		// JSON logs: the function's slog handler (aws-lambda-go's
		// lambdacontext) writes JSON with the request id, and Lambda filters
		// by the application log level.
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: applicationLogLevel(cfg.LogLevel),
		SystemLogLevelV2:      awslambda.SystemLogLevel_WARN,
		Environment: &map[string]*string{
			contract.EnvSecretID:     secret.SecretArn(),
			contract.EnvEnvironment:  jsii.String(cfg.Name),
			contract.EnvLookbackDays: jsii.String(strconv.Itoa(cfg.LookbackDays)),
			contract.EnvMaxDeletes:   jsii.String(strconv.Itoa(cfg.MaxDeletes)),
			contract.EnvLogLevel:     jsii.String(cfg.LogLevel),
		},
	})

	dlq := awssqs.NewQueue(stack, jsii.String("ScheduleDLQ"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(dlq, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is itself the dead-letter queue of the schedule; its depth is alarmed on."),
	}}, jsii.Bool(false))

	// The scheduler's role may be assumed only on behalf of this one
	// schedule (confused-deputy guard). The target adds its rights: invoke
	// the function, send to the dead-letter queue.
	schedulerRole := awsiam.NewRole(stack, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"aws:SourceAccount": stack.Account(),
				"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
					Service:      jsii.String("scheduler"),
					Resource:     jsii.String("schedule"),
					ResourceName: jsii.String("default/" + name),
				}),
			}},
		}),
		Description: jsii.String("EventBridge Scheduler: starts the garoon-calendar-sync " + cfg.Name + " function"),
	})
	awsscheduler.NewSchedule(stack, jsii.String("Schedule"), &awsscheduler.ScheduleProps{
		ScheduleName: jsii.String(name),
		Description:  jsii.String("Starts a garoon-calendar-sync " + cfg.Name + " run"),
		Schedule:     awsscheduler.ScheduleExpression_Cron(cronOptions(cfg.Schedule)),
		Target: awsschedulertargets.NewLambdaInvoke(fn, &awsschedulertargets.ScheduleTargetBaseProps{
			DeadLetterQueue: dlq,
			RetryAttempts:   jsii.Number(2),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(1)),
			Role:            schedulerRole,
		}),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(schedulerRole.Node().FindChild(jsii.String("DefaultPolicy")), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("lambda:InvokeFunction on <function ARN>:* is how the Scheduler target grants invoking the function's versions and aliases; " +
			"the wildcard covers qualifiers of this one function only."),
		AppliesTo: &[]any{"Resource::<" + *stack.GetLogicalId(fn.Node().DefaultChild().(awscdk.CfnElement)) + ".Arn>:*"},
	}}, jsii.Bool(true))

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
		newAlarm(stack, "ErrorsAlarm", name+"-errors", fn.MetricErrors(&awscloudwatch.MetricOptions{
			Period:    awscdk.Duration_Minutes(jsii.Number(15)),
			Statistic: jsii.String("Sum"),
		}), fmt.Sprintf("A garoon-calendar-sync %s run failed. Run `%s` to see what is wrong, or read the run's summary line (its fix field names the command): "+
			"aws logs tail %s --since 1h --filter-pattern ERROR. Nothing is lost: the next run retries every notice that was not applied.",
			cfg.Name, contract.FixDiagnose(cfg.Name), logGroupName)),
		newAlarm(stack, "DeadLetterAlarm", name+"-schedule-dlq", dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Period:    awscdk.Duration_Minutes(jsii.Number(5)),
			Statistic: jsii.String("Maximum"),
		}), fmt.Sprintf("EventBridge Scheduler could not start the function %s (after retries). "+
			"The messages in the schedule's dead-letter queue carry the error: aws sqs receive-message --message-attribute-names All --queue-url %s . "+
			"Fix the cause (function deleted, throttled, or the scheduler role changed), then purge the queue.", name, *dlq.QueueUrl())),
		newAlarm(stack, "InvalidGrantAlarm", name+"-invalid-grant", awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String(contract.MetricNamespace),
			MetricName:    jsii.String(contract.MetricInvalidGrant),
			DimensionsMap: &map[string]*string{contract.MetricDimension: jsii.String(cfg.Name)},
			Period:        awscdk.Duration_Minutes(jsii.Number(15)),
			Statistic:     jsii.String("Sum"),
		}), fmt.Sprintf("Google refused the refresh token (invalid_grant: revoked, expired or the password changed); no event is synced until it is replaced. "+
			"Fix: %s (when the secret's %s is %s, Gmail uses the token too: add --gmail after authorize)", contract.FixInvalidGrant(cfg.Name), contract.KeyGmailAuth, contract.GmailAuthOAuth)),
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

	tags := awscdk.Tags_Of(stack)
	tags.Add(jsii.String(tagProject), jsii.String(projectName), nil)
	tags.Add(jsii.String(tagEnvironment), jsii.String(cfg.Name), nil)
	for _, k := range slices.Sorted(maps.Keys(cfg.Tags)) {
		tags.Add(jsii.String(k), jsii.String(cfg.Tags[k]), nil)
	}

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

// newAlarm alarms as soon as one period's value reaches 1. Missing data
// (no run in an inactive window, an empty queue) is fine.
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
