package banktransfer

import (
	"fmt"

	"github.com/admit/admit/app/payment"
	"github.com/admit/admit/app/pricing"
)

const defaultTermDays = 7

var (
	labelHolder    = payment.Text{"en": "Account holder", "fr": "Titulaire du compte", "es": "Titular de la cuenta", "ru": "Получатель", "de": "Kontoinhaber"}
	labelIBAN      = payment.Text{"en": "IBAN", "fr": "IBAN", "es": "IBAN", "ru": "IBAN", "de": "IBAN"}
	labelBIC       = payment.Text{"en": "BIC", "fr": "BIC", "es": "BIC", "ru": "BIC (SWIFT)", "de": "BIC"}
	labelReference = payment.Text{"en": "Payment reference", "fr": "Référence du virement", "es": "Concepto de la transferencia", "ru": "Назначение платежа", "de": "Verwendungszweck"}
)

// Module describes the bank-transfer provider to Admit: main registers it.
func Module() payment.Module {
	cur := map[string]payment.Limits{}
	for _, code := range pricing.Codes() { // a transfer can be made in any of them
		cur[code] = payment.Limits{Min: 1}
	}
	return payment.Module{
		Name:    Name,
		Offline: true,
		// Money goes back by the organizer's own transfer (Refund).
		ManualRefunds: true,
		Title:         payment.Text{"en": "Bank transfer", "fr": "Virement bancaire", "es": "Transferencia bancaria", "ru": "Банковский перевод", "de": "Banküberweisung"},
		Hint: payment.Text{
			"en": "Registrants who choose a bank transfer get these details, the amount and a reference by email and on their page; their seat is held until the term ends. Record each transfer that arrives with “Mark paid” in the event's registrants.",
			"fr": "Les inscrits qui choisissent le virement reçoivent ces coordonnées, le montant et une référence par e-mail et sur leur page ; leur place est gardée jusqu’à la fin du délai. Enregistrez chaque virement reçu avec « Marquer payé » dans les inscrits de l’événement.",
			"es": "Quienes elijan transferencia reciben estos datos, el importe y una referencia por correo y en su página; su plaza se guarda hasta que vence el plazo. Registre cada transferencia recibida con «Marcar pagado» en los inscritos del evento.",
			"ru": "Участники, выбравшие перевод, получают эти реквизиты, сумму и назначение платежа по почте и на своей странице; место держится до конца срока. Отмечайте каждый поступивший перевод кнопкой «Отметить оплату» в списке участников события.",
			"de": "Wer per Überweisung zahlt, erhält diese Angaben, den Betrag und einen Verwendungszweck per E-Mail und auf der eigenen Seite; der Platz bleibt bis zum Ende der Frist reserviert. Erfassen Sie jede eingegangene Überweisung mit „Als bezahlt markieren“ bei den Angemeldeten der Veranstaltung.",
		},
		Settings: []payment.Setting{
			{Key: "account_holder", Label: labelHolder,
				Hint: payment.Text{"en": "The name the account is in, as the bank knows it.", "fr": "Le nom du titulaire, tel que la banque le connaît.", "es": "El nombre del titular, tal como lo conoce el banco.", "ru": "Имя владельца счёта, как оно записано в банке.", "de": "Der Name des Kontoinhabers, wie ihn die Bank führt."}},
			{Key: "iban", Label: labelIBAN, Check: CheckIBAN,
				Hint: payment.Text{"en": "An IBAN such as DE89 3704 0044 0532 0130 00 (spaces allowed), or leave it empty and write instructions.", "fr": "Un IBAN comme FR76 3000 6000 0112 3456 7890 189 (espaces permises), ou laissez vide et écrivez des instructions.", "es": "Un IBAN como ES91 2100 0418 4502 0005 1332 (con o sin espacios), o déjelo vacío y escriba instrucciones.", "ru": "IBAN, например DE89 3704 0044 0532 0130 00 (пробелы допускаются), или оставьте пустым и напишите инструкции.", "de": "Eine IBAN wie DE89 3704 0044 0532 0130 00 (Leerzeichen erlaubt), oder leer lassen und Anweisungen schreiben."}},
			{Key: "bic", Label: labelBIC, Check: CheckBIC,
				Hint: payment.Text{"en": "8 or 11 letters and digits, such as COBADEFFXXX.", "fr": "8 ou 11 lettres et chiffres, comme BNPAFRPPXXX.", "es": "8 u 11 letras y cifras, como CAIXESBBXXX.", "ru": "8 или 11 латинских букв и цифр, например COBADEFFXXX.", "de": "8 oder 11 Buchstaben und Ziffern, etwa COBADEFFXXX."}},
			{Key: "instructions", Multiline: true,
				Label: payment.Text{"en": "Instructions", "fr": "Instructions", "es": "Instrucciones", "ru": "Инструкции", "de": "Anweisungen"},
				Hint:  payment.Text{"en": "Anything else the registrant needs to pay, in your words (shown as written).", "fr": "Tout ce dont l’inscrit a besoin pour payer, avec vos mots (affiché tel quel).", "es": "Lo que la persona necesite para pagar, con sus palabras (se muestra tal cual).", "ru": "Всё, что нужно участнику для оплаты, своими словами (показывается как есть).", "de": "Alles, was zum Bezahlen nötig ist, in Ihren Worten (wird so angezeigt)."}},
			{Key: "term_days", Default: fmt.Sprint(defaultTermDays), Check: func(v string) error { _, err := termDays(v); return err },
				Label: payment.Text{"en": "Days to pay", "fr": "Délai de paiement (jours)", "es": "Plazo de pago (días)", "ru": "Срок оплаты (дней)", "de": "Zahlungsfrist (Tage)"},
				Hint:  payment.Text{"en": "From 1 to 60: unpaid after this many days, the seat is released and the registrant told.", "fr": "De 1 à 60 : sans paiement passé ce délai, la place est libérée et l’inscrit prévenu.", "es": "De 1 a 60: sin pago tras este plazo, la plaza se libera y se avisa a la persona.", "ru": "От 1 до 60: если оплата не пришла за этот срок, место освобождается, а участник получает уведомление.", "de": "1 bis 60: ist bis dahin nichts bezahlt, wird der Platz freigegeben und die Person benachrichtigt."}},
		},
		Currencies: cur,
		New: func(s map[string]string) (payment.Provider, error) {
			days, err := termDays(s["term_days"])
			if err != nil {
				return nil, &payment.SettingError{Key: "term_days", Problem: err.Error()}
			}
			return New(Config{AccountHolder: s["account_holder"], IBAN: s["iban"], BIC: s["bic"], Instructions: s["instructions"], TermDays: days})
		},
	}
}
