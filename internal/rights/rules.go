package rights

// Rule names a rule a request or an action on it broke: the API answers it
// as the problem's "rule", the pages show its words (web's catalogues hold
// "rule.<id>" in every language), and a test holds each rule to words.
type Rule string

// Rules the workflow enforces on its Updates (a rejected Update carries one).
const (
	RuleActionInProgress       Rule = "action-in-progress"
	RuleActorRequired          Rule = "actor-required"
	RuleAlreadyPaused          Rule = "already-paused"
	RuleAnswerDate             Rule = "answer-date"
	RuleArt12_3BeforeDeadline  Rule = "art-12-3-before-deadline"
	RuleArt12_3Once            Rule = "art-12-3-once"
	RuleArt12_3Reason          Rule = "art-12-3-reason"
	RuleArt12_4Refusal         Rule = "art-12-4-refusal"
	RuleArt12_5Justification   Rule = "art-12-5-justification"
	RuleArt12_5OnceAYear       Rule = "art-12-5-once-a-year"
	RuleArt21_3DirectMarketing Rule = "art-21-3-direct-marketing"
	RuleAssessmentRequired     Rule = "assessment-required"
	RuleAssignee               Rule = "assignee"
	RuleAssigneeRequired       Rule = "assignee-required"
	RuleCorrection             Rule = "correction"
	RuleCorrectionKind         Rule = "correction-kind"
	RuleCorrectionNotAllowed   Rule = "correction-not-allowed"
	RuleFound                  Rule = "found"
	RuleGrantWithoutGrounds    Rule = "grant-without-grounds"
	RuleGroundsForRight        Rule = "grounds-for-right"
	RuleGroundsPartialOnly     Rule = "grounds-partial-only"
	RuleGroundsRequired        Rule = "grounds-required"
	RuleIdentityMethod         Rule = "identity-method"
	RuleInformationPurpose     Rule = "information-purpose"
	RuleInformationWhat        Rule = "information-what"
	RuleLetterKind             Rule = "letter-kind"
	RuleLetterSent             Rule = "letter-sent"
	RuleLiftReason             Rule = "lift-reason"
	RuleLifting                Rule = "lifting"
	RuleNoRestriction          Rule = "no-restriction"
	RuleNotPaused              Rule = "not-paused"
	RuleNoteText               Rule = "note-text"
	RuleOutcome                Rule = "outcome"
	RulePaused                 Rule = "paused"
	RuleReasonRequired         Rule = "reason-required"
	RuleStage                  Rule = "stage"
	RuleTaskClaimed            Rule = "task-claimed"
	RuleTaskKind               Rule = "task-kind"
	RuleTaskNotOpen            Rule = "task-not-open"
	RuleTaskUnknown            Rule = "task-unknown"
)

// Rules the API enforces before the workflow is asked, or on packages.
const (
	RuleRequestClosed               Rule = "request-closed"
	RuleArt17PendingRequest         Rule = "art-17-pending-request"
	RuleIdentityKnownEmailUnmatched Rule = "identity-known-email-unmatched"
	RuleIdentityKnownEmailUnlinked  Rule = "identity-known-email-unlinked"
	RulePackageDestroyed            Rule = "package-destroyed"
	RulePackageNotByLink            Rule = "package-not-by-link"
	RulePackageCodeRequired         Rule = "package-code-required"
	RulePackageCodeWrong            Rule = "package-code-wrong"
	RulePackageCodeSends            Rule = "package-code-sends"
	RulePackageCodeAttempts         Rule = "package-code-attempts"
)

// Rules lists every rule, workflow's first, each once.
func Rules() []Rule {
	return []Rule{
		RuleActionInProgress,
		RuleActorRequired,
		RuleAlreadyPaused,
		RuleAnswerDate,
		RuleArt12_3BeforeDeadline,
		RuleArt12_3Once,
		RuleArt12_3Reason,
		RuleArt12_4Refusal,
		RuleArt12_5Justification,
		RuleArt12_5OnceAYear,
		RuleArt21_3DirectMarketing,
		RuleAssessmentRequired,
		RuleAssignee,
		RuleAssigneeRequired,
		RuleCorrection,
		RuleCorrectionKind,
		RuleCorrectionNotAllowed,
		RuleFound,
		RuleGrantWithoutGrounds,
		RuleGroundsForRight,
		RuleGroundsPartialOnly,
		RuleGroundsRequired,
		RuleIdentityMethod,
		RuleInformationPurpose,
		RuleInformationWhat,
		RuleLetterKind,
		RuleLetterSent,
		RuleLiftReason,
		RuleLifting,
		RuleNoRestriction,
		RuleNotPaused,
		RuleNoteText,
		RuleOutcome,
		RulePaused,
		RuleReasonRequired,
		RuleStage,
		RuleTaskClaimed,
		RuleTaskKind,
		RuleTaskNotOpen,
		RuleTaskUnknown,
		RuleRequestClosed,
		RuleArt17PendingRequest,
		RuleIdentityKnownEmailUnmatched,
		RuleIdentityKnownEmailUnlinked,
		RulePackageDestroyed,
		RulePackageNotByLink,
		RulePackageCodeRequired,
		RulePackageCodeWrong,
		RulePackageCodeSends,
		RulePackageCodeAttempts,
	}
}
