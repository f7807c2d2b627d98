package runner

import (
	"encoding/json"
	"errors"
	"io"
	"time"

	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

// WriteMetrics writes the run's CloudWatch embedded-metric-format record, a
// single JSON line, when there is a metric to publish; otherwise nothing.
// Lambda ships stdout to CloudWatch Logs, which turns the record into
// metrics: no PutMetricData call, no extra IAM right.
//
// Each custom metric costs $0.30 a month for every month it receives data
// (prorated by the hour), so the function publishes only what an alarm
// reads, and only when it is not zero: today that is InvalidGrant, which no
// AWS metric can tell apart from other failures. Failures in general are
// Lambda's own Errors metric (free); the run's counts are in its summary
// line, where `garoon-sync doctor` reads them. The alarm on InvalidGrant
// treats missing data as OK.
//
// The line carries "level": "FATAL". With the JSON log format Lambda drops
// application lines below the function's ApplicationLogLevel and treats a
// line without a level as INFO ("If the "level" value field is invalid or
// missing, Lambda assigns the log output the level INFO",
// docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html),
// so a level-less record would vanish with logLevel warn or error, and the
// invalid_grant alarm with it. FATAL is the highest level: no setting
// filters it. It is also accurate: until someone replaces the token, no
// run can sync anything.
func WriteMetrics(w io.Writer, env string, runErr error, now time.Time) error {
	if !errors.Is(runErr, syncer.ErrInvalidGrant) {
		return nil
	}
	type metric struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
	rec := map[string]any{
		"level":                     "FATAL",
		"message":                   metricsMessage,
		contract.MetricDimension:    env,
		contract.MetricInvalidGrant: 1,
		"_aws": map[string]any{
			"Timestamp": now.UnixMilli(),
			"CloudWatchMetrics": []map[string]any{{
				"Namespace":  contract.MetricNamespace,
				"Dimensions": [][]string{{contract.MetricDimension}},
				"Metrics":    []metric{{contract.MetricInvalidGrant, "Count"}},
			}},
		},
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// metricsMessage is the message of the EMF line, for people reading the log.
const metricsMessage = "metrics"
