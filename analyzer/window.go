package analyzer

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Window derivation for schedulers that cannot compute start_time/end_time (cron, Kubernetes
// CronJob, AWS Batch): with DRIFTWATCH_WINDOW set and start_time/end_time absent, the window is
// derived from the scheduled time (DRIFTWATCH_NOW, default the current time), the way SageMaker
// derives it for an hourly schedule (a run at 22:05 analyses 21:00–22:00):
//
//	end   = the scheduled time truncated to the window unit (hour for PTnH, day for PnD) + offset
//	start = end − length
//
// DRIFTWATCH_WINDOW is "previous-hour" (PT1H), "previous-day" (P1D) or an ISO-8601 duration of
// whole hours or days (PT6H, P1D); DRIFTWATCH_WINDOW_OFFSET is an ISO-8601 duration, usually
// negative like SageMaker's StartTimeOffset (-PT1H waits an hour for late data).
const (
	envWindow       = "DRIFTWATCH_WINDOW"
	envWindowOffset = "DRIFTWATCH_WINDOW_OFFSET"
	envNow          = "DRIFTWATCH_NOW"
)

var isoDuration = regexp.MustCompile(`^([-+])?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// parseISODuration parses the subset of ISO-8601 durations SageMaker uses (days, hours, minutes,
// seconds, optional sign). It also reports the largest unit present.
func parseISODuration(s string) (time.Duration, time.Duration, error) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" || s == "-P" || s == "-PT" {
		return 0, 0, fmt.Errorf("%q is not an ISO-8601 duration like PT1H, P1D or -PT30M", s)
	}
	var d, unit time.Duration
	for i, u := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+2] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+2])
		if err != nil {
			return 0, 0, fmt.Errorf("%q: %v", s, err)
		}
		d += time.Duration(n) * u
		if unit == 0 {
			unit = u
		}
	}
	if m[1] == "-" {
		d = -d
	}
	return d, unit, nil
}

// deriveWindow fills StartTime/EndTime (and MetricTime) from DRIFTWATCH_WINDOW when they are absent.
func (c *Config) deriveWindow(vars map[string]string, now time.Time) error {
	spec := vars[envWindow]
	if spec == "" || c.StartTime != "" || c.EndTime != "" {
		return nil
	}
	switch spec {
	case "previous-hour":
		spec = "PT1H"
	case "previous-day":
		spec = "P1D"
	}
	length, unit, err := parseISODuration(spec)
	if err != nil || length <= 0 || (unit != time.Hour && unit != 24*time.Hour) || length%unit != 0 {
		return fmt.Errorf("%s=%q: expected previous-hour, previous-day or a positive whole number of hours or days (PT6H, P1D)", envWindow, vars[envWindow])
	}
	var offset time.Duration
	if o := vars[envWindowOffset]; o != "" {
		if offset, _, err = parseISODuration(o); err != nil {
			return fmt.Errorf("%s: %v", envWindowOffset, err)
		}
	}
	if n := vars[envNow]; n != "" {
		if now, err = time.Parse(time.RFC3339, n); err != nil {
			return fmt.Errorf("%s=%q: expected a time like 2026-11-01T22:05:00Z", envNow, n)
		}
	}
	end := now.UTC().Truncate(unit).Add(offset)
	start := end.Add(-length)
	c.StartTime, c.EndTime = start.Format(TimeLayout), end.Format(TimeLayout)
	if c.MetricTime == "" {
		c.MetricTime = c.StartTime
	}
	return nil
}
