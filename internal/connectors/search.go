package connectors

// Found is what one identifier (Kind) found in one dataset: Rows rows. In
// Together, Kind is the identifier found in the same rows as the e-mail
// address.
type Found struct {
	System, SystemName   string
	Dataset, DatasetName string
	Kind                 string
	Rows                 int64
}

// Search is what a person's identifiers found in a controller's systems:
// the identity check's search (activities.Systems) returns it, the case
// service reads it.
type Search struct {
	// Found are the rows each identifier finds, per dataset.
	Found []Found
	// Together are, for each other identifier, the datasets where one row
	// holds both it and the e-mail address.
	Together []Found
	// Unreachable are the systems that could not be searched.
	Unreachable []string
}
