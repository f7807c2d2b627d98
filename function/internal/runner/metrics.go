package runner

import (
	"encoding/json"
	"errors"
	"io"
	"time"

	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

// WriteMetrics writes one CloudWatch embedded-metric-format record for a run
// as a single JSON line. Lambda ships stdout to CloudWatch Logs, which turns
// the record into metrics: no PutMetricData call, no extra IAM right. The
// alarms in infra watch these names (shared/contract).
func WriteMetrics(w io.Writer, env string, rep *syncer.Report, runErr error, now time.Time) error {
	invalidGrant := 0
	if errors.Is(runErr, syncer.ErrInvalidGrant) {
		invalidGrant = 1
	}
	values := []struct {
		name  string
		unit  string
		value float64
	}{
		{contract.MetricSeen, "Count", float64(rep.Seen)},
		{contract.MetricCreated, "Count", float64(rep.Created)},
		{contract.MetricUpdated, "Count", float64(rep.Updated)},
		{contract.MetricDeleted, "Count", float64(rep.Deleted)},
		{contract.MetricIgnored, "Count", float64(rep.Ignored)},
		{contract.MetricFailed, "Count", float64(rep.Failed)},
		{contract.MetricInvalidGrant, "Count", float64(invalidGrant)},
		{contract.MetricAttention, "Count", float64(rep.Attention)},
		{contract.MetricDuration, "Milliseconds", float64(rep.Duration.Milliseconds())},
	}
	type metric struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
	defs := make([]metric, 0, len(values))
	rec := map[string]any{contract.MetricDimension: env}
	for _, v := range values {
		defs = append(defs, metric{v.name, v.unit})
		rec[v.name] = v.value
	}
	rec["_aws"] = map[string]any{
		"Timestamp": now.UnixMilli(),
		"CloudWatchMetrics": []map[string]any{{
			"Namespace":  contract.MetricNamespace,
			"Dimensions": [][]string{{contract.MetricDimension}},
			"Metrics":    defs,
		}},
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
