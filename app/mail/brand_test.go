package mail

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/admit/admit/app/mail/mailtest"
	"github.com/admit/admit/app/model"
)

func testLogo(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 40))
	for x := range 120 {
		for y := range 40 {
			img.Set(x, y, color.RGBA{R: 15, G: 118, B: 110, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testBranding(t testing.TB) *model.Branding {
	return &model.Branding{Name: "Go Academy", AccentColor: "#0f766e", Footer: "Go Academy Ltd\n1 Main Street, Springfield",
		PrivacyURL: "https://example.com/privacy", ContactEmail: "hello@example.com", Logo: testLogo(t), LogoType: "image/png", LogoHash: "abc"}
}

// brandedRaw renders kind with data in a branding and writes the message
// as it would leave.
func brandedRaw(t testing.TB, r *Renderer, kind, locale string, d MailData, b *model.Branding) []byte {
	t.Helper()
	br := BrandOf(b)
	d.Brand = br.Brand
	subject, text, html, err := r.Render(kind, locale, d)
	if err != nil {
		t.Fatal(err)
	}
	m := Message{To: "zoe@example.org", ToName: d.Name, Subject: subject, Text: text, HTML: html}
	br.Apply(&m)
	s, err := NewSMTP(SMTPConfig{Host: "localhost", From: "Admit <noreply@example.com>"})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.build(m)
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if _, err := msg.WriteTo(&raw); err != nil {
		t.Fatal(err)
	}
	return raw.Bytes()
}

// TestBrandedMailAsAClientReadsIt: a branded mail has a text and an HTML
// part, the logo inline (multipart/related, referenced by cid:), the
// organization's name as the sender (smtp.from's address) and its
// contact as Reply-To; names full of HTML stay text in the HTML part.
func TestBrandedMailAsAClientReadsIt(t *testing.T) {
	r := testRenderer(t)
	b := testBranding(t)
	b.Name = `Go <script>alert("org")</script> Academy`
	d := sampleData()
	d.Name = `<img src=x onerror=alert(1)>`
	d.EventTitle = `<script>alert("title")</script>`
	d.RefundPolicy = "Full refund until 24 hours before <b>the start</b>."
	got := mailtest.Parse(brandedRaw(t, r, model.MailAccess, "en", d, b))
	if got.ParseError != nil {
		t.Fatal(got.ParseError)
	}
	if got.Text == "" || got.HTML == "" {
		t.Fatalf("parts: text %d, html %d bytes", len(got.Text), len(got.HTML))
	}
	var logo *mailtest.Attachment
	for i, a := range got.Attachments {
		if a.ContentID != "" {
			logo = &got.Attachments[i]
		}
	}
	if logo == nil || !logo.Inline || !logo.Related || logo.ContentType != "image/png" || !bytes.Equal(logo.Data, b.Logo) {
		t.Fatalf("inline logo: %+v", logo)
	}
	if !strings.Contains(got.HTML, `src="cid:`+logo.ContentID+`"`) {
		t.Fatalf("the HTML does not show the logo (cid:%s)", logo.ContentID)
	}
	from, err := got.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != b.Name || from[0].Address != "noreply@example.com" {
		t.Fatalf("From: %v %v", from, err)
	}
	if rt, err := got.Header.AddressList("Reply-To"); err != nil || len(rt) != 1 || rt[0].Address != "hello@example.com" {
		t.Fatalf("Reply-To: %v %v", rt, err)
	}
	for _, bad := range []string{"<script", "<img src=x", "<b>the start"} {
		if strings.Contains(got.HTML, bad) {
			t.Errorf("the HTML part holds %q unescaped", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
		"Go Academy Ltd<br>1 Main Street", `href="https://example.com/privacy"`, "mailto:hello@example.com", "Refund policy",
		"background-color:#0f766e", "Tickets by Admit", "signed up for"} {
		if !strings.Contains(got.HTML, want) {
			t.Errorf("the HTML part has no %q", want)
		}
	}
	for _, want := range []string{"Refund policy\nFull refund until 24 hours before <b>the start</b>.", "hello@example.com",
		"Privacy policy: https://example.com/privacy", "Go Academy Ltd\n1 Main Street", "signed up for"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("the text part has no %q\n%s", want, got.Text)
		}
	}
}

// TestUnbrandedMailHasNoLogo: without a branding, no inline part and the
// sender is smtp.from as written.
func TestUnbrandedMailHasNoLogo(t *testing.T) {
	got := mailtest.Parse(brandedRaw(t, testRenderer(t), model.MailAccess, "en", sampleData(), nil))
	if got.ParseError != nil || got.Text == "" || got.HTML == "" || len(got.Attachments) != 0 {
		t.Fatalf("%v, %d attachments", got.ParseError, len(got.Attachments))
	}
	if strings.Contains(got.HTML, "cid:") || got.Header.Get("Reply-To") != "" {
		t.Fatal("an unbranded mail refers to a logo or has a Reply-To")
	}
	if from, _ := got.Header.AddressList("From"); len(from) != 1 || from[0].Name != "Admit" {
		t.Fatalf("From: %v", from)
	}
}

// TestSpamAssassinScoresEveryKindZero: SpamAssassin's local rules score
// every kind of mail 0, branded with a logo or not, with much to say or
// little, in several languages. No rule adds points but HTML_MESSAGE's
// 0.001, which every mail with an HTML part gets.
func TestSpamAssassinScoresEveryKindZero(t *testing.T) {
	r := testRenderer(t)
	minimal := MailData{Name: "Al", EventTitle: "Go", Timezone: "UTC", Amount: "5.00 EUR", Count: 1, Item: "Tier", Role: model.UserAdmin}
	variants := []struct {
		name, locale string
		data         MailData
		brand        *model.Branding
	}{
		{"branded, full", "en", sampleData(), testBranding(t)},
		{"branded, minimal", "ru", minimal, &model.Branding{Name: "Go", Logo: testLogo(t), LogoType: "image/png"}},
		{"unbranded, minimal", "fr", minimal, nil},
	}
	var raws [][]byte
	var names []string
	for _, v := range variants {
		for _, kind := range r.Kinds() {
			d := v.data
			d.Organizer = organizerKinds[kind]
			if kind == model.MailAccess {
				d.RefundPolicy = "Full refund until a day before."
			}
			raws = append(raws, brandedRaw(t, r, kind, v.locale, d, v.brand))
			names = append(names, v.name+" "+kind+" ("+v.locale+")")
		}
	}
	for i, s := range mailtest.SpamScores(t, raws) {
		if s.Score > 0 {
			t.Errorf("%s: SpamAssassin scores %s", names[i], s)
		}
		for rule, pts := range s.Rules {
			// Every mail has an HTML part: HTML_MESSAGE's 0.001 (an
			// information, balanced by NO_RECEIVED's -0.001 here) cannot
			// be avoided.
			if pts > 0 && !(rule == "HTML_MESSAGE" && pts <= 0.001) {
				t.Errorf("%s: rule %s adds %.3f", names[i], rule, pts)
			}
		}
	}
}
