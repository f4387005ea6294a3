package sagemaker

import "github.com/driftwatch/driftwatch/analyzer/jackson"

// Violation is one entry of constraint_violations.json (contract §8.8).
type Violation struct {
	FeatureName string
	CheckType   string
	Description string
}

// ViolationsDocument builds constraint_violations.json. With no violations the file holds an
// empty list (`"violations" : [ ]`), so that a job always leaves the same set of files
// (contract §16.9, docs/monitoring.md).
func ViolationsDocument(vs []Violation) *jackson.Object {
	arr := make(jackson.Array, len(vs))
	for i, v := range vs {
		arr[i] = jackson.NewObject().
			Set("feature_name", jackson.String(v.FeatureName)).
			Set("constraint_check_type", jackson.String(v.CheckType)).
			Set("description", jackson.String(v.Description))
	}
	return jackson.NewObject().Set("violations", arr)
}
