package ticketing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/admit/admit/app/model"
	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/store"
)

// Credentials are a provider's settings by field name (secret_key,
// webhook_secret, client_id …).
type Credentials = map[string]string

func settingKey(name string) string { return "payments." + name }

// LoadProviders connects, at start, every provider whose credentials are in
// the configuration (which wins) or were stored from the admin API. Stored
// credentials still in clear (from before they were sealed) are sealed
// first.
func (s *Service) LoadProviders(ctx context.Context) error {
	if err := s.sealStoredCredentials(ctx); err != nil {
		return err
	}
	for _, name := range s.modules.Names() {
		c, source, err := s.providerCredentials(ctx, name)
		if err != nil {
			return err
		}
		if source == "" {
			continue
		}
		p, err := s.modules.New(name, c)
		if err != nil {
			return fmt.Errorf("payment provider %s (%s): %w", name, source, err)
		}
		s.providers.Set(p)
		s.log.InfoContext(ctx, "payment provider connected", "provider", name, "source", source)
	}
	return nil
}

// providerCredentials: the configuration's when it sets the provider's first
// required field, else the stored ones.
func (s *Service) providerCredentials(ctx context.Context, name string) (Credentials, string, error) {
	m, _ := s.modules.Get(name)
	if c := s.configCreds[name]; m.Configured(c) {
		return c, "config", nil
	}
	stored, err := s.store.Setting(ctx, settingKey(name))
	if err != nil || stored == "" {
		return nil, "", err
	}
	raw, err := s.sealer.open(settingKey(name), stored)
	if err != nil {
		return nil, "", err
	}
	var c Credentials
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return nil, "", fmt.Errorf("stored settings of %s: %w", name, err)
	}
	return c, "settings", nil
}

// sealStoredCredentials seals the stored credentials that are still in
// clear; run at every start, it changes nothing the second time.
func (s *Service) sealStoredCredentials(ctx context.Context) error {
	for _, name := range s.modules.Names() {
		key := settingKey(name)
		stored, err := s.store.Setting(ctx, key)
		if err != nil {
			return err
		}
		if stored == "" || sealed(stored) {
			continue
		}
		err = s.store.Write(ctx, func(tx *store.Tx) error {
			v, err := tx.Setting(key)
			if err != nil || v == "" || sealed(v) {
				return err
			}
			return tx.PutSetting(key, s.sealer.seal(key, v))
		})
		if err != nil {
			return fmt.Errorf("seal the stored settings of %s: %w", name, err)
		}
		s.log.InfoContext(ctx, "stored payment provider credentials encrypted", "provider", name)
	}
	return nil
}

// ProviderInfo is what the API shows of a provider: never a secret.
type ProviderInfo struct {
	Provider  string            `json:"provider"`
	Connected bool              `json:"connected"`
	Source    string            `json:"source"` // config, settings or ""
	Settings  map[string]string `json:"settings"`
	// Paused are the paid events that no connected provider can take.
	Paused []EventRef `json:"paused_events,omitempty"`
}

// EventRef names an event in an answer.
type EventRef struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

// Provider describes a provider's connection, secrets masked.
func (s *Service) Provider(ctx context.Context, name string) (*ProviderInfo, error) {
	m, err := s.module(name)
	if err != nil {
		return nil, err
	}
	c, source, err := s.providerCredentials(ctx, name)
	if err != nil {
		return nil, err
	}
	_, connected := s.providers.Get(name)
	info := &ProviderInfo{Provider: name, Connected: connected, Source: source, Settings: map[string]string{}}
	for _, set := range m.Settings {
		v := c[set.Key]
		if set.Secret && v != "" {
			v = mask(v)
		}
		info.Settings[set.Key] = v
	}
	return info, nil
}

// mask keeps the kind prefix and the last four characters of a secret.
func mask(v string) string {
	if len(v) <= 8 {
		return "••••"
	}
	prefix := ""
	if i := strings.LastIndex(v[:min(len(v), 9)], "_"); i > 0 {
		prefix = v[:i+1]
	}
	return prefix + "••••" + v[len(v)-4:]
}

// ConnectProvider checks credentials against the provider and, when it
// accepts them, stores them and connects it.
func (s *Service) ConnectProvider(ctx context.Context, name string, c Credentials) (*ProviderInfo, error) {
	m, err := s.module(name)
	if err != nil {
		return nil, err
	}
	if _, source, err := s.providerCredentials(ctx, name); err != nil {
		return nil, err
	} else if source == "config" {
		return nil, model.Fail(model.ErrConflict, name+" is set in the configuration file or environment, which wins: change it there.")
	}
	bad := fields{}
	clean := Credentials{}
	for k, v := range c {
		set, ok := m.Setting(k)
		if !ok {
			bad.add(k, "is not a setting of %s (settings: %s)", name, strings.Join(m.Keys(), ", "))
			continue
		}
		v = strings.TrimSpace(v)
		if set.Multiline {
			checkText(bad, k, v, maxSettingText)
		} else {
			checkLine(bad, k, v, false, 500)
		}
		if v != "" && bad[k] == "" {
			if msg := set.CheckValue(v); msg != "" {
				bad.add(k, "%s", msg)
			}
		}
		clean[k] = v
	}
	for _, set := range m.Settings {
		if set.Required && clean[set.Key] == "" {
			bad.add(set.Key, "is required")
		}
	}
	if len(bad) > 0 {
		return nil, model.Invalid(bad)
	}
	p, err := m.New(m.Complete(clean))
	if se := (*payment.SettingError)(nil); errors.As(err, &se) {
		return nil, model.Invalid(fields{se.Key: se.Problem})
	} else if err != nil {
		return nil, model.Invalid(fields{firstKey(m): err.Error()})
	}
	if err := payment.WithDeadline(p, s.providerTimeout).Check(ctx); err != nil {
		if errors.Is(err, payment.ErrCredentials) {
			return nil, &model.Problem{Err: model.ErrValidation, Code: "credentials_refused", Message: err.Error(),
				Fields: map[string]string{firstKey(m): err.Error()}}
		}
		s.log.ErrorContext(ctx, "payment provider check", "provider", name, "err", err)
		return nil, model.Fail(model.ErrProviderFailed, name+" could not be reached to check the keys; nothing was changed. Try again.")
	}
	raw, _ := json.Marshal(clean)
	value := s.sealer.seal(settingKey(name), string(raw))
	if err := s.store.Write(ctx, func(tx *store.Tx) error { return tx.PutSetting(settingKey(name), value) }); err != nil {
		return nil, err
	}
	s.providers.Set(p)
	return s.Provider(ctx, name)
}

// firstKey is the setting a refusal of the whole set of settings is shown
// next to: the first required one, else the first.
func firstKey(m payment.Module) string {
	if k := m.Primary(); k != "" {
		return k
	}
	if len(m.Settings) > 0 {
		return m.Settings[0].Key
	}
	return "settings"
}

// maxSettingText bounds a multi-line setting (payment instructions).
const maxSettingText = 2000

// DisconnectProvider forgets a provider's stored credentials. Paid events
// that no connected provider can take any more are paused (registration
// answers provider_unavailable) or, with makeFree, made free; the answer
// lists them.
func (s *Service) DisconnectProvider(ctx context.Context, name string, makeFree bool) (*ProviderInfo, error) {
	if _, err := s.module(name); err != nil {
		return nil, err
	}
	if _, source, err := s.providerCredentials(ctx, name); err != nil {
		return nil, err
	} else if source == "config" {
		return nil, model.Fail(model.ErrConflict, name+" is set in the configuration file or environment: remove it there.")
	}
	var affected []EventRef
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteSetting(settingKey(name)); err != nil {
			return err
		}
		s.providers.Remove(name)
		evs, err := tx.PricedEvents()
		if err != nil {
			return err
		}
		for _, e := range evs {
			if !s.reliesOn(e, name) {
				continue
			}
			affected = append(affected, EventRef{ID: e.ID, Slug: e.Slug, Title: e.Title})
			if makeFree {
				e.Price, e.RecordingPrice = nil, nil
				if err := tx.UpdateEvent(e); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	info, err := s.Provider(ctx, name)
	if err != nil {
		return nil, err
	}
	info.Paused = affected
	return info, nil
}

// provider is the connected provider called name, with every call to it
// bounded by the provider timeout.
func (s *Service) provider(name string) (payment.Provider, bool) {
	p, ok := s.providers.Get(name)
	if !ok {
		return nil, false
	}
	return payment.WithDeadline(p, s.providerTimeout), true
}
