package analyzer

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"

	"github.com/driftwatch/driftwatch/analyzer/checks"
	"github.com/driftwatch/driftwatch/stats"
)

// writeMetrics writes the CloudWatch metric file (contract §10): one JSON object per line, as the
// public BYOC samples do — feature_data_<name> (numeric features: StatisticValues with SampleCount =
// num_present, Sum, Minimum, Maximum), feature_non_null_<name> (completeness) and
// feature_baseline_drift_<name> (the drift value), stamped with metric_time (else end_time, else
// start_time) and the dimensions Endpoint and MonitoringSchedule (only MonitoringSchedule without an
// endpoint, as for batch jobs).
func writeMetrics(cfg *Config, features []stats.Feature, drifts []checks.Drift) error {
	ts := cfg.MetricTime
	if ts == "" {
		ts = cfg.StartTime
	}
	var dims []map[string]string
	if cfg.EndpointName != "" {
		dims = append(dims, map[string]string{"Name": "Endpoint", "Value": cfg.EndpointName})
	}
	if cfg.ScheduleName != "" {
		dims = append(dims, map[string]string{"Name": "MonitoringSchedule", "Value": cfg.ScheduleName})
	}
	var buf bytes.Buffer
	line := func(name string, value any, statistic bool) {
		buf.WriteString(`{"MetricName":`)
		buf.Write(jsonString(name))
		if ts != "" {
			buf.WriteString(`,"Timestamp":`)
			buf.Write(jsonString(ts))
		}
		buf.WriteString(`,"Dimensions":[`)
		for i, d := range dims {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(`{"Name":`)
			buf.Write(jsonString(d["Name"]))
			buf.WriteString(`,"Value":`)
			buf.Write(jsonString(d["Value"]))
			buf.WriteByte('}')
		}
		buf.WriteString("]")
		if statistic {
			buf.WriteString(`,"StatisticValues":`)
		} else {
			buf.WriteString(`,"Value":`)
		}
		buf.Write(value.([]byte))
		buf.WriteString("}\n")
	}
	for i := range features {
		f := &features[i]
		if f.Type.IsNumeric() && f.NumPresent > 0 {
			v := []byte(`{"SampleCount":` + num(float64(f.NumPresent)) + `,"Sum":` + num(f.Sum) + `,"Minimum":` + num(f.Min) + `,"Maximum":` + num(f.Max) + `}`)
			line("feature_data_"+f.Name, v, true)
		}
		line("feature_non_null_"+f.Name, []byte(num(f.Completeness)), false)
	}
	for _, d := range drifts {
		line("feature_baseline_drift_"+d.Feature, []byte(num(d.Distance)), false)
	}
	return writeFileAtomic(filepath.Join(cfg.CloudWatchMetricsDirectory, MetricsFile), buf.Bytes())
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

// num renders a metric value; CloudWatch rejects NaN and infinities, which become 0.
func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "0"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
