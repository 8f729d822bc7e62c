package rights

// The activities, by the name the workflows call them and the worker
// registers them under: the workflows reach activities only by these names,
// so they link none of the activities' database, mail or PDF code.
const (
	ActivityLoadPolicy      = "LoadPolicy"
	ActivityProject         = "Project"
	ActivitySendNotice      = "SendNotice"
	ActivityMarkLetter      = "MarkLetter"
	ActivityForward         = "Forward"
	ActivityPlanFulfilment  = "PlanFulfilment"
	ActivityFulfil          = "Fulfil"
	ActivityPendingOthers   = "PendingOthers"
	ActivityDestroyPackages = "DestroyPackages"
	ActivityFindUnstarted   = "FindUnstarted"
	ActivityMarkStarted     = "MarkStarted"
	ActivityReportStopped   = "ReportStopped"
	ActivityEraseExpired    = "EraseExpired"
	ActivityExpireSources   = "ExpireSources"
	ActivitySendDigests     = "SendDigests"
	// ActivityRecordEvent appends one audit event; no workflow calls it
	// today (a projection records its events), tests do.
	ActivityRecordEvent = "RecordEvent"
)

// ActivityNames lists every activity the worker registers: each the
// workflows call, and RecordEvent.
func ActivityNames() []string {
	return []string{
		ActivityLoadPolicy, ActivityProject, ActivitySendNotice, ActivityMarkLetter, ActivityForward,
		ActivityPlanFulfilment, ActivityFulfil, ActivityPendingOthers, ActivityDestroyPackages,
		ActivityFindUnstarted, ActivityMarkStarted, ActivityReportStopped, ActivityEraseExpired,
		ActivityExpireSources, ActivitySendDigests, ActivityRecordEvent,
	}
}

// LettersActivities are the activities that also run on the letters task
// queue, where the worker that renders and sends letters listens.
func LettersActivities() []string { return []string{ActivitySendNotice, ActivitySendDigests} }
