// Package checks turns statistics into constraints (the baseline job's suggestion, contract §7.2)
// and evaluates current statistics against a baseline (the monitoring job's checks, §8).
package checks

import (
	"github.com/driftwatch/driftwatch/analyzer/sagemaker"
	"github.com/driftwatch/driftwatch/stats"
	"github.com/driftwatch/driftwatch/stats/dtype"
)

// MaxSingletonRatio is Deequ's CategoricalRangeRule applicability bound: a domain is suggested only
// when at most 10 % of the histogram's values occur exactly once (contract §7.2, §16.6).
const MaxSingletonRatio = 0.1

// SuggestOptions are the inputs of constraint suggestion beyond the statistics.
type SuggestOptions struct {
	// CategoricalDriftMethod overrides distribution_constraints.categorical_drift_method when not
	// empty (the categorical_drift_method environment variable, contract §2).
	CategoricalDriftMethod string
}

// Suggest derives the baseline constraints from the baseline statistics (contract §7.2):
//   - one entry per feature, in column order, with the reported inferred_type;
//   - completeness = the observed completeness (not lowered to a confidence bound);
//   - num_constraints.is_non_negative for every numeric feature: min ≥ 0;
//   - string_constraints.domains for String features with categorical buckets whose singleton
//     ratio is ≤ MaxSingletonRatio: the bucket values in bucket order, NullValue excluded;
//   - monitoring_config: the container's defaults, with the categorical drift override.
func Suggest(features []stats.Feature, opt SuggestOptions) sagemaker.Constraints {
	c := sagemaker.Constraints{MonitoringConfig: sagemaker.DefaultMonitoringConfig()}
	if opt.CategoricalDriftMethod != "" {
		c.MonitoringConfig.Distribution.CategoricalDriftMethod = opt.CategoricalDriftMethod
	}
	for i := range features {
		f := &features[i]
		cf := sagemaker.ConstraintFeature{Name: f.Name, InferredType: sagemaker.ReportedType(f.Type)}
		completeness := f.Completeness
		cf.Completeness = &completeness
		if f.Type.IsNumeric() {
			nonNeg := f.Min >= 0
			cf.IsNonNegative = &nonNeg
		}
		if (f.Type == dtype.String || f.Type == dtype.Boolean) && domainEligible(f) {
			cf.Domains = []string{}
			for _, e := range f.Categories {
				if e.Value != stats.NullValue {
					cf.Domains = append(cf.Domains, e.Value)
				}
			}
		}
		c.Features = append(c.Features, cf)
	}
	return c
}

// domainEligible is Deequ's CategoricalRangeRule.shouldBeApplied: a histogram exists and the
// share of its values seen exactly once is at most MaxSingletonRatio. An all-null column has no
// value to constrain.
func domainEligible(f *stats.Feature) bool {
	if f.Categories == nil || f.NumPresent == 0 {
		return false
	}
	singles := 0
	for _, e := range f.Categories {
		if e.Count == 1 {
			singles++
		}
	}
	return float64(singles)/float64(len(f.Categories)) <= MaxSingletonRatio
}
