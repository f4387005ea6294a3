// Package sagemaker writes (and reads) the files of the SageMaker Model Monitor contract:
// statistics.json (contract §6), constraints.json (§7) and constraint_violations.json (§8.8), in
// the real container's Jackson layout (analyzer/jackson).
package sagemaker

import (
	"github.com/driftwatch/driftwatch/analyzer/jackson"
	"github.com/driftwatch/driftwatch/stats"
	"github.com/driftwatch/driftwatch/stats/dtype"
	"github.com/driftwatch/driftwatch/stats/kll"
)

// ReportedType is the inferred_type written for a column of kind k. The file schema has no
// Boolean type, so a Boolean column is reported as String (docs/decisions.md).
func ReportedType(k dtype.Kind) string {
	if k == dtype.Boolean {
		return dtype.String.String()
	}
	return k.String()
}

// StatisticsDocument builds statistics.json (2023+ layout, contract §6.1): version, dataset
// item_count, then one entry per feature in column order.
func StatisticsDocument(itemCount int64, features []stats.Feature) *jackson.Object {
	arr := make(jackson.Array, len(features))
	for i := range features {
		arr[i] = featureStatistics(&features[i])
	}
	return jackson.NewObject().
		Set("version", jackson.Double(0)).
		Set("dataset", jackson.NewObject().Set("item_count", jackson.Long(itemCount))).
		Set("features", arr)
}

func common(f *stats.Feature) *jackson.Object {
	return jackson.NewObject().
		Set("num_present", jackson.Long(f.NumPresent)).
		Set("num_missing", jackson.Long(f.NumMissing))
}

func featureStatistics(f *stats.Feature) *jackson.Object {
	o := jackson.NewObject().
		Set("name", jackson.String(f.Name)).
		Set("inferred_type", jackson.String(ReportedType(f.Type)))
	if f.Type.IsNumeric() {
		return o.Set("numerical_statistics", numericalStatistics(f))
	}
	s := jackson.NewObject().
		Set("common", common(f)).
		Set("distinct_count", jackson.Double(float64(f.Distinct))).
		Set("completeness", jackson.Double(f.Completeness))
	if f.Categories != nil {
		buckets := make(jackson.Array, len(f.Categories))
		for i, c := range f.Categories {
			buckets[i] = jackson.NewObject().Set("value", jackson.String(c.Value)).Set("count", jackson.Long(c.Count))
		}
		s.Set("distribution", jackson.NewObject().Set("categorical", jackson.NewObject().Set("buckets", buckets)))
	}
	return o.Set("string_statistics", s)
}

func numericalStatistics(f *stats.Feature) *jackson.Object {
	return jackson.NewObject().
		Set("common", common(f)).
		Set("mean", jackson.Double(f.Mean)).
		Set("sum", jackson.Double(f.Sum)).
		Set("std_dev", jackson.Double(f.StdDev)).
		Set("min", jackson.Double(f.Min)).
		Set("max", jackson.Double(f.Max)).
		Set("approximate_num_distinct_values", jackson.Long(f.Distinct)).
		Set("completeness", jackson.Double(f.Completeness)).
		Set("distribution", jackson.NewObject().Set("kll", kllDocument(f.Buckets, f.Sketch)))
}

func kllDocument(buckets []kll.Bucket, sk *kll.Sketch) *jackson.Object {
	bs := make(jackson.Array, len(buckets))
	for i, b := range buckets {
		bs[i] = jackson.NewObject().
			Set("lower_bound", jackson.Double(b.Lower)).
			Set("upper_bound", jackson.Double(b.Upper)).
			Set("count", jackson.Double(b.Count))
	}
	levels := sk.Levels()
	data := make(jackson.Array, len(levels))
	for i, l := range levels {
		data[i] = jackson.DoubleArray(l)
	}
	return jackson.NewObject().
		Set("buckets", bs).
		Set("sketch", jackson.NewObject().
			Set("parameters", jackson.NewObject().
				Set("c", jackson.Double(sk.C())).
				Set("k", jackson.Double(float64(sk.K())))).
			Set("data", data))
}
