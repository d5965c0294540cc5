package payment

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Text is a piece of text people read, by language (en, fr, es, ru, de).
// English is required; a language it lacks shows the English.
type Text map[string]string

// In is the text in lang ("fr", "fr-CA"), else in English.
func (t Text) In(lang string) string {
	lang = strings.ToLower(strings.SplitN(strings.SplitN(lang, "-", 2)[0], "_", 2)[0])
	if v, ok := t[lang]; ok && v != "" {
		return v
	}
	return t["en"]
}

// Languages are the languages every Text of a module must have.
var Languages = []string{"en", "fr", "es", "ru", "de"}

// Setting is one key of a provider's configuration: its section in the
// configuration file is the provider's name (stripe.secret_key), and the
// settings API and the admin UI take the same keys.
type Setting struct {
	Key string
	// Label names the input on the settings page.
	Label Text
	// Hint, when set, tells what to enter: shown with the error when the
	// value is refused (and always under an Advanced setting's input).
	Hint Text
	// Secret values are never shown back, only whether they are set.
	Secret bool
	// Required: the provider cannot connect without it. The first required
	// setting decides whether the configuration file sets the provider.
	Required bool
	// Default is the value when none is given.
	Default string
	// Advanced settings are folded away on the settings page (the address
	// of a test double).
	Advanced bool
	// Options, when set, are the only values the setting takes.
	Options []Option
	// URL settings are addresses the provider's keys travel to: https, or
	// plain http to this very machine.
	URL bool
	// Multiline settings take several lines of text (payment instructions).
	Multiline bool
	// Check, when set, says what is wrong with a (trimmed, not empty) value;
	// nil when it is acceptable.
	Check func(v string) error
}

// Option is one value a setting takes.
type Option struct {
	Value string
	Label Text
}

// Limits are the amounts a provider charges in one currency, in minor
// units; Max 0 means no limit of the provider's own.
type Limits struct {
	Min, Max int64
}

// Module describes a payment provider to Admit: what it is called, what it
// is configured with, what it takes, and how to build it. Each plugin
// exports one; main registers them (Modules.Register).
type Module struct {
	// Name is the provider's name in the API, the configuration's section
	// and the routes (/webhooks/{name}): lower-case letters and digits.
	Name string
	// Title is the name buyers and organizers read ("Card (Stripe)").
	Title Text
	// Hint tells the organizer where to find the settings.
	Hint Text
	// Settings are its configuration keys, required ones first.
	Settings []Setting
	// Currencies it charges in, with its minimum and maximum for one
	// charge.
	Currencies map[string]Limits
	// Authorize: it can authorize a payment now and capture it later.
	Authorize bool
	// Reauthorize: a hold whose capture is no longer guaranteed (past its
	// CaptureBy, such as PayPal's 3-day honor period) can be renewed once
	// before its capture (Reauthorizer); without it, such a capture is
	// simply tried.
	Reauthorize bool
	// ManualRefunds: the provider cannot send money back (its Refund is
	// ErrUnsupported, a bank transfer): a refund is recorded as owed by the
	// organizer, who gives the money back by their own means and marks it
	// refunded. Admit never asks the provider.
	ManualRefunds bool
	// Offline providers take no money through a checkout page: the buyer
	// pays on their own (a bank transfer) and the organizer records the
	// payment.
	Offline bool
	// New builds the provider from its settings (every key present, with
	// its default when none was given).
	New func(settings map[string]string) (Provider, error)
}

// Takes reports whether the provider charges in currency, and its limits.
func (m Module) Takes(currency string) (Limits, bool) {
	l, ok := m.Currencies[currency]
	return l, ok
}

// Setting finds one of its settings by key.
func (m Module) Setting(key string) (Setting, bool) {
	for _, s := range m.Settings {
		if s.Key == key {
			return s, true
		}
	}
	return Setting{}, false
}

// Keys lists its settings' keys in order.
func (m Module) Keys() []string {
	out := make([]string, len(m.Settings))
	for i, s := range m.Settings {
		out[i] = s.Key
	}
	return out
}

// Configured reports whether settings set the provider up: its required
// settings are given or, when none is required, one differs from its
// default (the configuration file sets it then, and wins).
func (m Module) Configured(settings map[string]string) bool {
	if k := m.Primary(); k != "" {
		return settings[k] != ""
	}
	for _, s := range m.Settings {
		if v := settings[s.Key]; v != "" && v != s.Default {
			return true
		}
	}
	return false
}

// Primary is the first required setting ("" when none is required).
func (m Module) Primary() string {
	for _, s := range m.Settings {
		if s.Required {
			return s.Key
		}
	}
	return ""
}

// CheckValue says what is wrong with a value of setting s (trimmed, not
// empty), or "" when it is acceptable: one of its options, a safe address
// for URL settings, and its own Check.
func (s Setting) CheckValue(v string) string {
	if len(s.Options) > 0 && !slices.ContainsFunc(s.Options, func(o Option) bool { return o.Value == v }) {
		vals := make([]string, len(s.Options))
		for i, o := range s.Options {
			vals[i] = o.Value
		}
		return "must be " + orList(vals)
	}
	if s.URL && !SecureBase(v) {
		return "must be an https:// URL (plain http:// only for a loopback address such as http://127.0.0.1:12111)"
	}
	if s.Check != nil {
		if err := s.Check(v); err != nil {
			return err.Error()
		}
	}
	return ""
}

// CheckConfig is CheckValue for a value from the configuration file or
// environment, which the operator controls: a URL setting only needs to be
// an absolute http(s) URL there (a test double on another host).
func (s Setting) CheckConfig(v string) string {
	if s.URL {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "must be an absolute http(s) URL"
		}
		s.URL = false
	}
	return s.CheckValue(v)
}

// orList writes "a", "a or b", "a, b or c".
func orList(v []string) string {
	if len(v) < 2 {
		return strings.Join(v, "")
	}
	return strings.Join(v[:len(v)-1], ", ") + " or " + v[len(v)-1]
}

// SecureBase: a provider's keys travel to this address, so it is https, or
// plain http to this very machine (a local test double).
func SecureBase(v string) bool {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		ip := net.ParseIP(h)
		return strings.EqualFold(h, "localhost") || (ip != nil && ip.IsLoopback())
	}
	return false
}

// APIBase is the setting every provider with an HTTP API offers: where its
// client connects ("" for the provider's own API).
func APIBase() Setting {
	return Setting{Key: "api_base", Advanced: true, URL: true,
		Label: Text{"en": "API address", "fr": "Adresse de l’API", "es": "Dirección de la API", "ru": "Адрес API", "de": "API-Adresse"},
		Hint: Text{
			"en": "Leave empty for the provider's own API. Only for a test double or a proxy: an https:// address (http:// only on this machine).",
			"fr": "Laissez vide pour l’API du prestataire. Seulement pour un double de test ou un proxy : une adresse https:// (http:// seulement sur cette machine).",
			"es": "Déjelo vacío para la API del proveedor. Solo para un doble de pruebas o un proxy: una dirección https:// (http:// solo en esta máquina).",
			"ru": "Оставьте пустым для API самой платёжной системы. Только для тестового двойника или прокси: адрес https:// (http:// только на этой машине).",
			"de": "Leer lassen für die API des Anbieters. Nur für ein Test-Double oder einen Proxy: eine https://-Adresse (http:// nur auf diesem Rechner).",
		}}
}

// Modules are the payment providers a binary offers, in the order they were
// registered. main registers each plugin's Module once at start, as
// database/sql drivers are registered; the domain, the configuration and
// the pages learn every provider from here.
type Modules struct {
	list []Module
}

// NewModules returns an empty set; Register adds to it.
func NewModules(mods ...Module) *Modules {
	m := &Modules{}
	for _, mod := range mods {
		m.Register(mod)
	}
	return m
}

var moduleName = regexp.MustCompile(`^[a-z][a-z0-9]{1,30}$`)

// Register adds a provider. Like sql.Register it panics on a programming
// error: a name already taken or malformed, a missing title or
// translation, no constructor, no currency.
func (m *Modules) Register(mod Module) {
	if err := mod.validate(); err != nil {
		panic("payment: Register: " + err.Error())
	}
	if _, dup := m.Get(mod.Name); dup {
		panic("payment: Register called twice for provider " + mod.Name)
	}
	m.list = append(m.list, mod)
}

func (mod Module) validate() error {
	if !moduleName.MatchString(mod.Name) {
		return fmt.Errorf("provider name %q: lower-case letters and digits, 2 to 31", mod.Name)
	}
	if mod.New == nil {
		return fmt.Errorf("%s: no constructor", mod.Name)
	}
	if len(mod.Currencies) == 0 {
		return fmt.Errorf("%s: no currency", mod.Name)
	}
	texts := map[string]Text{"title": mod.Title, "hint": mod.Hint}
	seen := map[string]bool{}
	for _, s := range mod.Settings {
		if s.Key == "" || seen[s.Key] || strings.ContainsAny(s.Key, ". ") {
			return fmt.Errorf("%s: setting %q is empty, repeated or has a dot", mod.Name, s.Key)
		}
		seen[s.Key] = true
		texts["settings "+s.Key] = s.Label
		if s.Hint != nil {
			texts["hint of "+s.Key] = s.Hint
		}
		for _, o := range s.Options {
			texts["option "+s.Key+"="+o.Value] = o.Label
		}
	}
	for what, t := range texts {
		for _, l := range Languages {
			if strings.TrimSpace(t[l]) == "" {
				return fmt.Errorf("%s: %s has no %s text", mod.Name, what, l)
			}
		}
	}
	return nil
}

// Get finds a registered provider by name.
func (m *Modules) Get(name string) (Module, bool) {
	if m == nil {
		return Module{}, false
	}
	for _, mod := range m.list {
		if mod.Name == name {
			return mod, true
		}
	}
	return Module{}, false
}

// All lists the registered providers in the order of registration.
func (m *Modules) All() []Module {
	if m == nil {
		return nil
	}
	return slices.Clone(m.list)
}

// Names lists the registered providers' names in the order of registration.
func (m *Modules) Names() []string {
	if m == nil {
		return nil
	}
	out := make([]string, len(m.list))
	for i, mod := range m.list {
		out[i] = mod.Name
	}
	return out
}

// New builds the provider called name from its settings: keys it does not
// declare are dropped, missing ones get their default.
func (m *Modules) New(name string, settings map[string]string) (Provider, error) {
	mod, ok := m.Get(name)
	if !ok {
		return nil, fmt.Errorf("unknown payment provider %q", name)
	}
	return mod.New(mod.Complete(settings))
}

// Complete is settings with every key of the module, defaults filled in.
func (mod Module) Complete(settings map[string]string) map[string]string {
	out := make(map[string]string, len(mod.Settings))
	for _, s := range mod.Settings {
		v := settings[s.Key]
		if v == "" {
			v = s.Default
		}
		out[s.Key] = v
	}
	return out
}

// SettingError is a constructor's refusal of one setting (Module.New): the
// settings API names Key with Problem.
type SettingError struct {
	Key, Problem string
}

func (e *SettingError) Error() string { return e.Key + ": " + e.Problem }

// Offline is an optional capability of a Provider whose buyers pay on their
// own, with no checkout page (a bank transfer): CreateCheckout gives the
// payment's reference as the checkout id, the buyer is sent what to pay and
// how, the seat stays held for Term, and the organizer records what arrived
// (POST /api/v1/registrations/{id}/mark_paid). Unpaid after the term, the
// seat is released and the buyer told.
type Offline interface {
	// Term is how long a buyer has to pay.
	Term() time.Duration
	// Instructions are how to pay the checkout reference, in lang: what the
	// buyer's page and email show, line by line.
	Instructions(lang, reference string) []Instruction
}

// Instruction is one line of payment instructions: a label ("IBAN") and
// its value, or a paragraph of text (Label empty).
type Instruction struct {
	Label, Value string
	// Code values are typed by the buyer (an IBAN, a reference): shown in
	// a fixed-width font.
	Code bool
}
