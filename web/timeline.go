package web

import (
	"strconv"
	"strings"
	"time"
)

// How a fact of a timeline event is written.
type factKind int

const (
	// factHidden is an ID that says nothing to a reader (a task's or a
	// letter's); the event's words say what it was.
	factHidden factKind = iota
	// factText is written as recorded: names of systems, datasets,
	// controllers and recipients from the configuration, legal grounds.
	factText
	factNumber
	factDate
	factYesNo
	// factStaff is a staff member's ID, written as their name.
	factStaff
	// factWord is a value with words in the catalogue under prefix.
	factWord
	// factFailure is why a step fails: "failing", or
	// "non_retryable:<type>".
	factFailure
	// factPending is another open request an erasure waits for, recorded
	// as "<reference> (<right>)": the right is written in words.
	factPending
)

type factSpec struct {
	key    string
	kind   factKind
	prefix string
	// label is the catalogue key of the fact's name; "fact."+key if empty.
	label string
}

func (f factSpec) labelKey() string {
	if f.label != "" {
		return f.label
	}
	return "fact." + f.key
}

// eventFacts lists, for every action of the audit log, the facts its
// data holds and how each is written, in the order shown. A key that is
// not listed is not shown; the test of the catalogues checks that every
// key the workflow records is listed here.
var eventFacts = map[string][]factSpec{
	"request.received": {{key: "kind", kind: factWord, prefix: "right.", label: "fact.right"}, {key: "channel", kind: factWord, prefix: "channel."},
		{key: "received_on", kind: factDate}, {key: "due_on", kind: factDate}, {key: "statutory_due_on", kind: factDate}, {key: "forwarded_from"}},
	"stage.identity":           nil,
	"identity.verified":        {{key: "method", kind: factWord, prefix: "method."}, {key: "at_intake", kind: factYesNo}},
	"identity.not_possible":    nil,
	"information.requested":    {{key: "purpose", kind: factWord, prefix: "purpose."}},
	"information.received":     {{key: "received_on", kind: factDate}, {key: "due_on", kind: factDate}},
	"information.not_received": {{key: "paused_on", kind: factDate}, {key: "days", kind: factNumber}},
	"decision.made":            {{key: "outcome", kind: factWord, prefix: "outcome."}, {key: "grounds", kind: factText}},
	"deadline.extended":        {{key: "reason", kind: factWord, prefix: "reason."}, {key: "extended_due_on", kind: factDate}},
	"deadline.reminder":        {{key: "days_before_due", kind: factNumber}, {key: "due_on", kind: factDate}},
	"deadline.refusal_reminder": {{key: "days_before_refusal_due", kind: factNumber},
		{key: "refusal_due_on", kind: factDate}},
	"deadline.escalated":      {{key: "due_on", kind: factDate}},
	"deadline.breached":       {{key: "deadline_on", kind: factDate}},
	"deadline.breach_notice":  {{key: "deadline_on", kind: factDate}},
	"request.assigned":        {{key: "assignee", kind: factStaff}, {key: "from", kind: factStaff}},
	"request.withdrawn":       nil,
	"request.forwarded":       {{key: "to_controller", kind: factText}, {key: "to_request"}},
	"note.added":              {{key: "note", kind: factNumber}},
	"task.claimed":            {{key: "task"}, {key: "kind", kind: factWord, prefix: "task.", label: "fact.task"}, {key: "assignee", kind: factStaff}},
	"letter.print_letter":     {{key: "letter"}, {key: "channel", kind: factWord, prefix: "channel."}},
	"letter.confirm_delivery": {{key: "letter"}, {key: "channel", kind: factWord, prefix: "channel."}},
	"letter.posted":           {{key: "task"}, {key: "letter"}},
	"packages.destroyed":      {{key: "requests", kind: factText}},
	"package.destroyed":       {{key: "by", kind: factText, label: "fact.erasure"}},
	"letter.confirmed":        {{key: "task"}, {key: "letter"}},
	"letter.preliminary":      nil,
	"reply.awaiting_approval": nil,
	"reply.approved":          {{key: "task"}},
	"reply.sent":              {{key: "outcome", kind: factWord, prefix: "outcome."}, {key: "late", kind: factYesNo}},
	"attention.needed":        {{key: "step", kind: factWord, prefix: "attstep."}, {key: "reason", kind: factFailure, label: "fact.failure"}},
	"attention.resolved":      {{key: "step", kind: factWord, prefix: "attstep."}},
	"fulfilment.step": {{key: "system", kind: factText}, {key: "dataset", kind: factText}, {key: "step", kind: factWord, prefix: "fstep."},
		{key: "rows", kind: factNumber}, {key: "held", kind: factNumber}},
	"fulfilment.unconfirmed": {{key: "system", kind: factText}, {key: "dataset", kind: factText}},
	"fulfilment.tasks":       {{key: "systems", kind: factNumber}},
	"fulfilment.blocked":     {{key: "by", kind: factPending}},
	"fulfilment.unblocked":   nil,
	"fulfilment.system_done": {{key: "task"}, {key: "system", kind: factText}, {key: "recorded", kind: factYesNo}},
	"fulfilment.done": {{key: "task"}, {key: "system", kind: factText}, {key: "recorded", kind: factYesNo},
		{key: "steps", kind: factNumber}},
	"fulfilment.corrected": {{key: "system", kind: factText}, {key: "dataset", kind: factText}, {key: "columns", kind: factNumber},
		{key: "rows", kind: factNumber}},
	"restriction.lift_requested": nil,
	"restriction.lift_notified":  nil,
	"restriction.lifted":         nil,
	"recipients.notified":        {{key: "action", kind: factWord, prefix: "recipaction."}, {key: "recipients", kind: factText}},
	"recipients.not_notified": {{key: "action", kind: factWord, prefix: "recipaction."}, {key: "recipient", kind: factText},
		{key: "reason", kind: factText}},
	"workflow.stopped": {{key: "status", kind: factWord, prefix: "wfstatus."}},
	"subject.erased":   {{key: "retention_days", kind: factNumber}},
}

// EventFacts writes the data of a timeline event in words of the page's
// language: its label and value for each fact shown. name writes a staff
// member's ID as their name.
func EventFacts(w Words, lang, action string, data map[string]any, name func(string) string) []Field {
	var out []Field
	for _, f := range eventFacts[action] {
		v, ok := data[f.key]
		if !ok || v == nil || f.kind == factHidden {
			continue
		}
		text := factValue(w, lang, f, v, name)
		if text == "" {
			continue
		}
		out = append(out, Field{Label: word(w, f.labelKey()), Value: text})
	}
	return out
}

func factValue(w Words, lang string, f factSpec, v any, name func(string) string) string {
	if list, ok := v.([]any); ok {
		parts := make([]string, 0, len(list))
		for _, x := range list {
			if t := factValue(w, lang, f, x, name); t != "" {
				parts = append(parts, t)
			}
		}
		return strings.Join(parts, ", ")
	}
	s := scalar(v)
	switch f.kind {
	case factNumber:
		return s
	case factDate:
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t, err = time.Parse(time.RFC3339, s)
		}
		if err != nil {
			return s
		}
		return formatDate(lang, t)
	case factYesNo:
		if b, ok := v.(bool); ok && b {
			return word(w, "fact.yes")
		}
		return word(w, "fact.no")
	case factStaff:
		if name != nil {
			return name(s)
		}
		return s
	case factWord:
		if t, ok := w[f.prefix+s]; ok {
			return t
		}
		return s
	case factPending:
		if ref, kind, ok := strings.Cut(s, " ("); ok && strings.HasSuffix(kind, ")") {
			return ref + " (" + word(w, "right."+strings.TrimSuffix(kind, ")")) + ")"
		}
		return s
	case factFailure:
		if typ, ok := strings.CutPrefix(s, "non_retryable:"); ok {
			return word(w, "failure.non_retryable") + " (" + typ + ")"
		}
		return word(w, "failure."+s)
	}
	return s
}

// scalar writes a JSON value as text: a whole number without decimals.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return ""
}
