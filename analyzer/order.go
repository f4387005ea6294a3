package analyzer

import "github.com/driftwatch/driftwatch/stats"

// orderFeatures puts features in the dataset's column order; features not named in columns keep
// their order of first appearance after the named ones.
func orderFeatures(features []stats.Feature, columns []string) []stats.Feature {
	if columns == nil {
		return features
	}
	pos := make(map[string]int, len(columns))
	for i, c := range columns {
		pos[c] = i
	}
	out := make([]stats.Feature, 0, len(features))
	placed := make([]*stats.Feature, len(columns))
	var rest []stats.Feature
	for i := range features {
		if p, ok := pos[features[i].Name]; ok {
			placed[p] = &features[i]
		} else {
			rest = append(rest, features[i])
		}
	}
	for _, f := range placed {
		if f != nil {
			out = append(out, *f)
		}
	}
	return append(out, rest...)
}
