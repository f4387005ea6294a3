package sagemaker

import "github.com/driftwatch/driftwatch/analyzer/jackson"

// Switch values of monitoring_config.
const (
	Enabled  = "Enabled"
	Disabled = "Disabled"
)

// Constraints is constraints.json (contract §7.1).
type Constraints struct {
	Features         []ConstraintFeature
	MonitoringConfig MonitoringConfig
}

// ConstraintFeature is one entry of constraints.json "features".
type ConstraintFeature struct {
	Name         string
	InferredType string
	Completeness *float64
	// IsNonNegative is written as num_constraints.is_non_negative for numeric features.
	IsNonNegative *bool
	// Domains is string_constraints.domains; nil when the feature has no domain constraint.
	Domains []string
	// EvaluateConstraints is a per-feature override ("Enabled"/"Disabled"), "" when absent
	// (monitoringConfigOverrides or string_constraints.monitoring_config_overrides, §7.4).
	EvaluateConstraints string
}

// MonitoringConfig is constraints.json "monitoring_config" (contract §7.3).
type MonitoringConfig struct {
	EvaluateConstraints    string
	EmitMetrics            string
	DatatypeCheckThreshold float64
	DomainContentThreshold float64
	Distribution           DistributionConstraints
}

// DistributionConstraints is monitoring_config.distribution_constraints.
type DistributionConstraints struct {
	PerformComparison              string
	ComparisonThreshold            float64
	ComparisonMethod               string // "Simple" or "Robust"
	CategoricalComparisonThreshold float64
	CategoricalDriftMethod         string // "LInfinity" or "ChiSquared"
}

// DefaultMonitoringConfig is the monitoring_config the real container writes (contract §7.3,
// observed values, which differ from the documented defaults for the two thresholds).
func DefaultMonitoringConfig() MonitoringConfig {
	return MonitoringConfig{
		EvaluateConstraints:    Enabled,
		EmitMetrics:            Enabled,
		DatatypeCheckThreshold: 1.0,
		DomainContentThreshold: 1.0,
		Distribution: DistributionConstraints{
			PerformComparison:              Enabled,
			ComparisonThreshold:            0.1,
			ComparisonMethod:               "Robust",
			CategoricalComparisonThreshold: 0.1,
			CategoricalDriftMethod:         "LInfinity",
		},
	}
}

// Document builds constraints.json in the real container's key order.
func (c *Constraints) Document() *jackson.Object {
	feats := make(jackson.Array, len(c.Features))
	for i, f := range c.Features {
		o := jackson.NewObject().
			Set("name", jackson.String(f.Name)).
			Set("inferred_type", jackson.String(f.InferredType))
		if f.Completeness != nil {
			o.Set("completeness", jackson.Double(*f.Completeness))
		}
		if f.IsNonNegative != nil {
			o.Set("num_constraints", jackson.NewObject().Set("is_non_negative", jackson.Bool(*f.IsNonNegative)))
		}
		if f.Domains != nil {
			d := make(jackson.Array, len(f.Domains))
			for j, v := range f.Domains {
				d[j] = jackson.String(v)
			}
			o.Set("string_constraints", jackson.NewObject().Set("domains", d))
		}
		if f.EvaluateConstraints != "" {
			o.Set("monitoringConfigOverrides", jackson.NewObject().Set("evaluate_constraints", jackson.String(f.EvaluateConstraints)))
		}
		feats[i] = o
	}
	m := c.MonitoringConfig
	d := m.Distribution
	return jackson.NewObject().
		Set("version", jackson.Double(0)).
		Set("features", feats).
		Set("monitoring_config", jackson.NewObject().
			Set("evaluate_constraints", jackson.String(m.EvaluateConstraints)).
			Set("emit_metrics", jackson.String(m.EmitMetrics)).
			Set("datatype_check_threshold", jackson.Double(m.DatatypeCheckThreshold)).
			Set("domain_content_threshold", jackson.Double(m.DomainContentThreshold)).
			Set("distribution_constraints", jackson.NewObject().
				Set("perform_comparison", jackson.String(d.PerformComparison)).
				Set("comparison_threshold", jackson.Double(d.ComparisonThreshold)).
				Set("comparison_method", jackson.String(d.ComparisonMethod)).
				Set("categorical_comparison_threshold", jackson.Double(d.CategoricalComparisonThreshold)).
				Set("categorical_drift_method", jackson.String(d.CategoricalDriftMethod))))
}
