// Every text the page shows, Turkish first, with English. Catalogue names (categories, kinds,
// neighbourhoods) and status names come from the API; the municipality's own names (its name,
// contact center, phone line, KVKK data controller and retention period) from `config.json`, which
// is written from the municipality profile. The ones here are what the page itself says.

export const LANGUAGES = ["tr", "en"];
export const DEFAULT_LANGUAGE = "tr";

// Until `config.json` names the municipality (or if it cannot be read), the page speaks of it
// neutrally: never of another municipality, never a retention period that may not be its own.
export const NEUTRAL = {
  name: { tr: "Belediye", en: "the municipality" },
  contactCenter: { tr: "Talep, öneri ve şikâyet", en: "Requests and complaints" },
  controller: { tr: "Belediye", en: "the municipality" },
  retention: {
    tr: "belediyenin kişisel veri saklama ve imha politikasında belirtilen süre boyunca",
    en: "the period set in the municipality's personal data retention and destruction policy",
  },
};

const tr = {
  "site.tagline": "Talep, öneri ve şikâyetleriniz için",
  "site.call": "{phoneLine} hattını arayın",
  skip: "Ana içeriğe geç",
  "lang.switch": "English",
  "nav.label": "Sayfa bölümleri",
  "nav.file": "Başvuru yap",
  "nav.track": "Başvuru sorgula",
  noscript: "Bu sayfa JavaScript gerektirir. Başvurunuzu belediyenin çağrı merkezinden de yapabilirsiniz.",

  "file.title": "Talep, öneri veya şikâyet bildirin",
  "file.intro": "Formu doldurun; size bir takip kodu verelim. Her başvuruya en geç {hours} saat içinde dönüş yapılır.",
  "file.required": "Yıldız (*) ile işaretli alanlar zorunludur.",
  "required.mark": "(zorunlu)",
  "catalog.loading": "Konu ve mahalle listesi yükleniyor…",
  "catalog.failed": "Konu ve mahalle listesi yüklenemedi. İnternet bağlantınızı kontrol edin.",
  "catalog.retry": "Tekrar dene",

  "kind.legend": "Başvuru türü",
  "kind.request": "Talep",
  "kind.complaint": "Şikâyet",
  "kind.suggestion": "Öneri",
  "kind.information": "Bilgi edinme",
  "kind.thanks": "Teşekkür",
  "category.label": "Konu",
  "category.unsure": "Emin değilim",
  "category.hint": "Emin değilseniz seçmeyin; başvurunuzu ilgili birime biz yönlendiririz.",
  "neighbourhood.label": "Mahalle",
  "neighbourhood.choose": "Mahalle seçin",
  "description.label": "Açıklama",
  "description.hint": "Sorunu ve yerini anlatın: ne, nerede, ne zamandan beri? En az {min} karakter.",
  "description.counter": "{count} / {max} karakter",

  "location.legend": "Konum (isteğe bağlı)",
  "photos.legend": "Fotoğraflar (isteğe bağlı)",
  "photos.hint": "En çok 3 fotoğraf, her biri en çok 10 MB (JPEG, PNG, HEIC, WebP). Fotoğraflardaki konum ve diğer bilgiler silinir.",
  "photos.add": "Fotoğraf ekle",
  "photos.remove": "Kaldır",
  "photos.uploading": "yükleniyor…",
  "photos.uploaded": "yüklendi",
  "photos.failed": "yüklenemedi",
  "errors.photoCount": "En çok 3 fotoğraf ekleyebilirsiniz.",
  "errors.photoType": "{name}: yalnızca JPEG, PNG, HEIC veya WebP fotoğraf ekleyebilirsiniz.",
  "errors.photoSize": "{name}: fotoğraf 10 MB'tan büyük.",
  "errors.photoUpload": "Bir fotoğraf yüklenemedi. Kaldırıp tekrar deneyin.",
  "errors.photoPending": "Fotoğraflar hâlâ yükleniyor, biraz bekleyin.",
  "location.hint": "Konumunuzu paylaşabilir, bir adres yazabilir ya da ikisini birden yapabilirsiniz.",
  "location.use": "Konumumu kullan",
  "location.locating": "Konumunuz alınıyor…",
  "location.found": "Konumunuz eklendi (yaklaşık {accuracy} m doğrulukla).",
  "location.denied": "Konum izni verilmedi. Bunun yerine adres yazabilirsiniz.",
  "location.unavailable": "Konumunuz alınamadı. Bunun yerine adres yazabilirsiniz.",
  "location.unsupported": "Tarayıcınız konum paylaşmayı desteklemiyor. Adres yazabilirsiniz.",
  "location.lat": "Enlem",
  "location.lon": "Boylam",
  "location.address": "Adres veya yer tarifi",
  "location.addressHint": "Örn. Cumhuriyet Caddesi No 12 önü, parkın girişi",

  "contact.legend": "İletişim bilgileriniz (isteğe bağlı)",
  "contact.why":
    "Neden soruyoruz? Başvurunuzun sonucunu size bildirebilmek ve gerekirse ek bilgi isteyebilmek için. " +
    "Vermeseniz de başvurunuz işleme alınır; durumunu takip kodu ile sorgulayabilirsiniz.",
  "contact.name": "Ad soyad",
  "contact.phone": "Cep telefonu",
  "contact.phoneHint": "Örn. 0532 123 45 67",
  "contact.email": "E-posta",

  "notice.title": "Kişisel verileriniz",
  "notice.summary":
    "Verdiğiniz bilgiler, veri sorumlusu {controller} tarafından 6698 sayılı Kişisel Verilerin " +
    "Korunması Kanunu (KVKK) uyarınca yalnızca başvurunuzu sonuçlandırmak ve sizinle iletişim kurmak " +
    "amacıyla işlenir ve {retention} saklanır. KVKK m. 11'deki haklarınızı belediyeye başvurarak kullanabilirsiniz.",
  "notice.more": "Aydınlatma metninin tamamını okuyun",
  "notice.ack": "Kişisel verilerin işlenmesine ilişkin aydınlatma metnini okudum.",
  "notice.ackHint": "İletişim bilgisi verdiğiniz için bu kutuyu işaretlemeniz gerekir.",
  submit: "Başvuruyu gönder",
  sending: "Gönderiliyor…",

  "errors.summary": "Başvuru gönderilmedi. Lütfen şu alanları düzeltin:",
  "errors.required": "Bu alanı doldurun.",
  "errors.choose": "Listeden bir seçim yapın.",
  "errors.descriptionShort": "Açıklama en az {min} karakter olmalı; biraz daha ayrıntı yazın.",
  "errors.tooLong": "En fazla {max} karakter yazabilirsiniz.",
  "errors.phone": "Geçerli bir telefon numarası yazın (örn. 0532 123 45 67).",
  "errors.email": "Geçerli bir e-posta adresi yazın (örn. ad@ornek.com).",
  "errors.location": "Enlem ve boylamı birlikte verin ya da bir adres yazın.",
  "errors.lat": "Enlem -90 ile 90 arasında bir sayı olmalı (örn. 38.4660).",
  "errors.lon": "Boylam -180 ile 180 arasında bir sayı olmalı (örn. 27.2200).",
  "errors.unknownCategory": "Bu konu artık kullanılmıyor; listeden başka bir konu seçin.",
  "errors.unknownNeighbourhood": "Bu mahalle listede yok; listeden bir mahalle seçin.",
  "errors.kind": "Bir başvuru türü seçin.",
  "errors.ack": "Devam etmek için aydınlatma metnini okuduğunuzu işaretleyin.",
  "errors.network":
    "Sunucuya ulaşılamadı. İnternet bağlantınızı kontrol edip tekrar deneyin; yazdıklarınız silinmedi.",
  "errors.server": "Şu anda bir sorun yaşıyoruz. Biraz sonra tekrar deneyin; yazdıklarınız silinmedi.",
  "errors.tooLarge": "Başvurunuz çok uzun. Açıklamayı kısaltıp tekrar deneyin.",

  "success.title": "Başvurunuz alındı",
  "success.codeLabel": "Takip kodunuz",
  "success.copy": "Kodu kopyala",
  "success.copied": "Kod kopyalandı.",
  "success.copyFailed": "Kopyalanamadı; lütfen kodu elle not alın.",
  "success.hint": "Bu kodu bir yere yazın: başvurunuzu bu kodla buradan veya telefonla sorgulayabilirsiniz.",
  "success.deadline": "Size en geç {date} tarihine kadar dönüş yapılacaktır.",
  "success.track": "Başvurumun durumunu gör",
  "success.another": "Yeni bir başvuru yap",

  "track.title": "Başvurunuzun durumu",
  "track.intro": "Başvuru sırasında verilen takip kodunu yazın.",
  "track.label": "Takip kodu",
  "track.hint": "Örn. 7KP-M4Y-P2T. Küçük harfle ve tiresiz de yazabilirsiniz.",
  "track.submit": "Sorgula",
  "track.loading": "Sorgulanıyor…",
  "track.invalid": "Takip kodu 9 karakterdir (harf ve rakam), örn. 7KP-M4Y-P2T.",
  "track.notFound": "Bu kodla bir başvuru bulunamadı. Kodu kontrol edip tekrar deneyin.",
  "track.found": "Başvuru {code} bulundu. Durum: {status}.",
  "track.resultTitle": "Başvuru {code}",
  "track.status": "Durum",
  "track.kind": "Başvuru türü",
  "track.category": "Konu",
  "track.department": "İlgili birim",
  "track.neighbourhood": "Mahalle",
  "track.received": "Başvuru tarihi",
  "track.updated": "Son güncelleme",
  "track.due": "En geç dönüş tarihi",
  "track.firstResponse": "İlk dönüş",
  "track.notYet": "Henüz belirlenmedi",
  "track.none": "Henüz yok",
  "track.timeline": "Başvuru geçmişi",
  "time.zone": "İstanbul saati",
  "time.note": "Tüm saatler İstanbul saatidir.",

  "footer.privacy": "Bu sayfa çerez kullanmaz ve ziyaretinizi izlemez.",
};

const en = {
  "site.tagline": "Requests, suggestions and complaints",
  "site.call": "Call {phoneLine}",
  skip: "Skip to main content",
  "lang.switch": "Türkçe",
  "nav.label": "Sections",
  "nav.file": "File a request",
  "nav.track": "Track a request",
  noscript: "This page needs JavaScript. You can also file your request with the municipality's call center.",

  "file.title": "Report a problem, make a request or a suggestion",
  "file.intro": "Fill in the form and we will give you a tracking code. Every request gets an answer within {hours} hours.",
  "file.required": "Fields marked with an asterisk (*) are required.",
  "required.mark": "(required)",
  "catalog.loading": "Loading the list of topics and neighbourhoods…",
  "catalog.failed": "The list of topics and neighbourhoods could not be loaded. Check your connection.",
  "catalog.retry": "Try again",

  "kind.legend": "Type of request",
  "kind.request": "Request",
  "kind.complaint": "Complaint",
  "kind.suggestion": "Suggestion",
  "kind.information": "Information",
  "kind.thanks": "Thanks",
  "category.label": "Topic",
  "category.unsure": "Not sure",
  "category.hint": "If you are not sure, leave it: we will send your request to the right department.",
  "neighbourhood.label": "Neighbourhood",
  "neighbourhood.choose": "Choose a neighbourhood",
  "description.label": "Description",
  "description.hint": "Tell us the problem and where it is: what, where, since when? At least {min} characters.",
  "description.counter": "{count} / {max} characters",

  "location.legend": "Location (optional)",
  "photos.legend": "Photos (optional)",
  "photos.hint": "Up to 3 photos, at most 10 MB each (JPEG, PNG, HEIC, WebP). Location and other details are removed from them.",
  "photos.add": "Add photos",
  "photos.remove": "Remove",
  "photos.uploading": "uploading…",
  "photos.uploaded": "uploaded",
  "photos.failed": "upload failed",
  "errors.photoCount": "You can add at most 3 photos.",
  "errors.photoType": "{name}: only JPEG, PNG, HEIC or WebP photos can be added.",
  "errors.photoSize": "{name}: the photo is larger than 10 MB.",
  "errors.photoUpload": "A photo could not be uploaded. Remove it and try again.",
  "errors.photoPending": "The photos are still uploading; please wait a moment.",
  "location.hint": "Share your location, type an address, or both.",
  "location.use": "Use my location",
  "location.locating": "Getting your location…",
  "location.found": "Your location was added (accurate to about {accuracy} m).",
  "location.denied": "Location permission was not given. You can type an address instead.",
  "location.unavailable": "Your location could not be found. You can type an address instead.",
  "location.unsupported": "Your browser cannot share a location. You can type an address.",
  "location.lat": "Latitude",
  "location.lon": "Longitude",
  "location.address": "Address or directions",
  "location.addressHint": "E.g. in front of Cumhuriyet Caddesi No 12, the park entrance",

  "contact.legend": "Your contact details (optional)",
  "contact.why":
    "Why we ask: to tell you the outcome of your request and, if needed, ask for more details. " +
    "Without them your request is still handled; you can follow it with the tracking code.",
  "contact.name": "Full name",
  "contact.phone": "Mobile phone",
  "contact.phoneHint": "E.g. 0532 123 45 67",
  "contact.email": "Email",

  "notice.title": "Your personal data",
  "notice.summary":
    "What you give us is processed by the data controller, {controller}, under the Turkish Personal Data " +
    "Protection Law No. 6698 (KVKK) only to handle your request and to contact you, and is kept " +
    "for {retention}. You can use your rights under KVKK article 11 by applying to the municipality.",
  "notice.more": "Read the full privacy notice",
  "notice.ack": "I have read the privacy notice on the processing of my personal data.",
  "notice.ackHint": "Required because you gave contact details.",
  submit: "Send my request",
  sending: "Sending…",

  "errors.summary": "Your request was not sent. Please correct these fields:",
  "errors.required": "Fill in this field.",
  "errors.choose": "Choose an option from the list.",
  "errors.descriptionShort": "The description needs at least {min} characters; please add some detail.",
  "errors.tooLong": "You can write at most {max} characters.",
  "errors.phone": "Enter a valid phone number (e.g. 0532 123 45 67).",
  "errors.email": "Enter a valid email address (e.g. name@example.com).",
  "errors.location": "Give latitude and longitude together, or type an address.",
  "errors.lat": "Latitude must be a number between -90 and 90 (e.g. 38.4660).",
  "errors.lon": "Longitude must be a number between -180 and 180 (e.g. 27.2200).",
  "errors.unknownCategory": "This topic is no longer in use; choose another one from the list.",
  "errors.unknownNeighbourhood": "This neighbourhood is not on the list; choose one from the list.",
  "errors.kind": "Choose a type of request.",
  "errors.ack": "Please confirm that you have read the privacy notice.",
  "errors.network": "We could not reach the server. Check your connection and try again; nothing you typed was lost.",
  "errors.server": "Something went wrong on our side. Please try again shortly; nothing you typed was lost.",
  "errors.tooLarge": "Your request is too long. Please shorten the description and try again.",

  "success.title": "Your request was received",
  "success.codeLabel": "Your tracking code",
  "success.copy": "Copy the code",
  "success.copied": "The code was copied.",
  "success.copyFailed": "Could not copy; please write the code down.",
  "success.hint": "Write this code down: you need it to follow your request, online or by phone.",
  "success.deadline": "You will hear from us by {date} at the latest.",
  "success.track": "See the status of my request",
  "success.another": "File another request",

  "track.title": "The status of your request",
  "track.intro": "Enter the tracking code you were given when you filed the request.",
  "track.label": "Tracking code",
  "track.hint": "E.g. 7KP-M4Y-P2T. Lower case and no dashes work too.",
  "track.submit": "Look it up",
  "track.loading": "Looking it up…",
  "track.invalid": "A tracking code has 9 letters and digits, e.g. 7KP-M4Y-P2T.",
  "track.notFound": "There is no request with this code. Please check the code and try again.",
  "track.found": "Request {code} found. Status: {status}.",
  "track.resultTitle": "Request {code}",
  "track.status": "Status",
  "track.kind": "Type",
  "track.category": "Topic",
  "track.department": "Department",
  "track.neighbourhood": "Neighbourhood",
  "track.received": "Filed on",
  "track.updated": "Last updated",
  "track.due": "Answer due by",
  "track.firstResponse": "First answer",
  "track.notYet": "Not decided yet",
  "track.none": "Not yet",
  "track.timeline": "History",
  "time.zone": "Istanbul time",
  "time.note": "All times are Istanbul time.",

  "footer.privacy": "This page uses no cookies and does not track your visit.",
};

export const TEXTS = { tr, en };

// Status names as the API gives them (`status_name`), for timeline entries that carry only a status.
export const STATUS_NAMES = {
  tr: {
    received: "Alındı",
    routed: "İlgili birime iletildi",
    in_progress: "İşlemde",
    resolved: "Çözüldü",
    rejected: "Sonuçlandırıldı (yapılamadı)",
    triage: "Değerlendiriliyor",
    closed: "Kapatıldı",
    reopened: "Yeniden açıldı",
  },
  en: {
    received: "Received",
    routed: "Sent to the responsible department",
    in_progress: "In progress",
    resolved: "Resolved",
    rejected: "Closed without action",
    triage: "Being reviewed",
    closed: "Closed",
    reopened: "Reopened",
  },
};

// The full personal-data notice (KVKK art. 10 "aydınlatma metni"), shown in a <details> before sending,
// with the municipality's data controller, retention period and contact (`facts`, from `config.json`).
export function notice(lang, facts) {
  const { controller, retention, contact } = facts;
  const texts = {
    tr: {
      title: "Kişisel Verilerin İşlenmesine İlişkin Aydınlatma Metni",
      sections: [
        {
          heading: "Veri sorumlusu",
          paragraphs: [
            `6698 sayılı Kişisel Verilerin Korunması Kanunu (KVKK) uyarınca kişisel verileriniz, veri sorumlusu ` +
              `sıfatıyla ${controller.tr} tarafından işlenir.`,
          ],
        },
        {
          heading: "Hangi verileri işliyoruz",
          paragraphs: [
            "Verirseniz adınız soyadınız, telefon numaranız ve e-posta adresiniz; başvurunuzun açıklaması, " +
              "konumu veya adresi, başvuru tarihi ve takip kodu. Lütfen açıklamaya gerekmedikçe T.C. kimlik " +
              "numarası, sağlık bilgisi gibi kişisel veriler yazmayın.",
          ],
        },
        {
          heading: "Hangi amaçla",
          paragraphs: [
            "Başvurunuzu almak, ilgili birime iletmek ve sonuçlandırmak; size başvurunuzun durumu ve sonucu " +
              "hakkında bilgi vermek; gerektiğinde ek bilgi istemek için sizinle iletişim kurmak. Hizmetleri " +
              "planlamak için yalnızca kimliğinizi içermeyen (anonim) istatistikler üretilir.",
          ],
        },
        {
          heading: "Hukuki sebep",
          paragraphs: [
            "KVKK m. 5/2-(a) kanunlarda açıkça öngörülmesi (5393 sayılı Belediye Kanunu, 3071 sayılı Dilekçe " +
              "Hakkının Kullanılmasına Dair Kanun, 4982 sayılı Bilgi Edinme Hakkı Kanunu) ve m. 5/2-(ç) " +
              "Belediyenin hukuki yükümlülüğünü yerine getirebilmesi. Başvuru için açık rıza istenmez; iletişim " +
              "bilgisi vermek isteğe bağlıdır.",
          ],
        },
        {
          heading: "Kimlerle paylaşıyoruz",
          paragraphs: [
            "Verileriniz yalnızca başvurunuzun gereği için Belediyenin ilgili birimleriyle ve konu başka bir " +
              "kurumun görev alanındaysa o kurumla paylaşılır. Başvuru sistemi, Belediyenin hizmet aldığı bulut " +
              "altyapısında (Amazon Web Services) barındırılır; bu yurt dışına aktarım KVKK m. 9'a uygun olarak " +
              "yapılır. Size bildirim göndermek için SMS, e-posta veya WhatsApp hizmet sağlayıcıları kullanılır.",
          ],
        },
        {
          heading: "Ne kadar süre saklıyoruz",
          paragraphs: [
            `İletişim bilgileriniz ${retention.tr} saklanır ve ardından silinir. Başvurunun içeriği ` +
              "kimliğinizle ilişkilendirilmeden istatistik olarak tutulabilir.",
          ],
        },
        {
          heading: "Haklarınız (KVKK m. 11)",
          paragraphs: ["Belediyeye başvurarak:"],
          items: [
            "kişisel verilerinizin işlenip işlenmediğini öğrenme,",
            "işlenmişse buna ilişkin bilgi talep etme,",
            "işlenme amacını ve amacına uygun kullanılıp kullanılmadığını öğrenme,",
            "yurt içinde veya yurt dışında aktarıldığı üçüncü kişileri bilme,",
            "eksik veya yanlış işlenmişse düzeltilmesini isteme,",
            "KVKK m. 7'deki şartlar çerçevesinde silinmesini veya yok edilmesini isteme,",
            "düzeltme, silme ve yok etme işlemlerinin aktarıldığı üçüncü kişilere bildirilmesini isteme,",
            "münhasıran otomatik sistemlerle analiz edilmesi sonucu aleyhinize bir sonuç çıkmasına itiraz etme,",
            "kanuna aykırı işlenmesi sebebiyle zarara uğramanız hâlinde zararın giderilmesini talep etme " +
              "haklarına sahipsiniz.",
          ],
        },
        {
          heading: "Nasıl başvurabilirsiniz",
          paragraphs: [
            "Başvurunuzu Belediyeye yazılı olarak (dilekçeyle bizzat veya posta yoluyla), kayıtlı elektronik " +
              "posta (KEP), güvenli elektronik imza veya mobil imza ile ya da daha önce Belediyeye bildirdiğiniz " +
              "e-posta adresinizden yapabilirsiniz. Takip kodunuzu belirtmeniz işlemi hızlandırır. Başvurunuz en " +
              "geç 30 gün içinde ücretsiz sonuçlandırılır. Yanıtı yetersiz bulursanız Kişisel Verileri Koruma " +
              "Kurulu'na şikâyette bulunabilirsiniz.",
            ...(contact ? [`İletişim: ${contact}`] : []),
          ],
        },
      ],
    },
    en: {
      title: "Privacy notice on the processing of personal data",
      sections: [
        {
          heading: "Data controller",
          paragraphs: [
            `Under the Turkish Personal Data Protection Law No. 6698 (KVKK), your personal data is processed ` +
              `by ${controller.en} as the data controller.`,
          ],
        },
        {
          heading: "What we process",
          paragraphs: [
            "If you give them, your name, phone number and email address; the description of your request, " +
              "its location or address, the date and the tracking code. Please do not write personal data such " +
              "as your ID number or health details in the description unless it is needed.",
          ],
        },
        {
          heading: "Why",
          paragraphs: [
            "To receive your request, send it to the responsible department and resolve it; to tell you its " +
              "status and outcome; and, where needed, to contact you for more details. Only anonymous " +
              "statistics, without your identity, are used to plan services.",
          ],
        },
        {
          heading: "Legal basis",
          paragraphs: [
            "KVKK art. 5(2)(a), processing expressly provided for by law (Municipality Law No. 5393, Law No. " +
              "3071 on the Right to Petition, Law No. 4982 on the Right to Information), and art. 5(2)(ç), the " +
              "Municipality's legal obligations. No explicit consent is asked for a request; giving contact " +
              "details is optional.",
          ],
        },
        {
          heading: "Who we share it with",
          paragraphs: [
            "Your data is shared only as your request needs: with the Municipality's departments and, if the " +
              "matter belongs to another public body, with that body. The system is hosted on the cloud " +
              "infrastructure the Municipality uses (Amazon Web Services); this transfer abroad follows KVKK " +
              "art. 9. SMS, email or WhatsApp providers are used to send you notifications.",
          ],
        },
        {
          heading: "How long we keep it",
          paragraphs: [
            `Your contact details are kept for ${retention.en} and then deleted. ` +
              "The content of the request may be kept as statistics, without any link to you.",
          ],
        },
        {
          heading: "Your rights (KVKK art. 11)",
          paragraphs: ["By applying to the Municipality, you have the right to:"],
          items: [
            "learn whether your personal data is processed,",
            "ask for information about it if it is,",
            "learn why it is processed and whether it is used for that purpose,",
            "know the third parties in Türkiye or abroad it is transferred to,",
            "ask for it to be corrected if it is incomplete or wrong,",
            "ask for it to be deleted or destroyed under the conditions of KVKK art. 7,",
            "ask for corrections, deletions and destructions to be notified to those third parties,",
            "object to a result against you that comes solely from automated analysis of your data,",
            "claim compensation for damage caused by unlawful processing.",
          ],
        },
        {
          heading: "How to apply",
          paragraphs: [
            "Apply to the Municipality in writing (a signed petition, in person or by post), by registered " +
              "electronic mail (KEP), with a secure electronic or mobile signature, or from the email address " +
              "you gave the Municipality before. Quoting your tracking code speeds things up. Your application " +
              "is answered free of charge within 30 days. If you find the answer insufficient, you may complain " +
              "to the Personal Data Protection Board (KVK Kurulu).",
            ...(contact ? [`Contact: ${contact}`] : []),
          ],
        },
      ],
    },
  };
  return texts[lang] || texts[DEFAULT_LANGUAGE];
}

// The text for `key` in `lang`, with `{name}` replaced from `vars`.
export function t(lang, key, vars = {}) {
  const table = TEXTS[lang] || TEXTS[DEFAULT_LANGUAGE];
  const template = table[key] ?? TEXTS[DEFAULT_LANGUAGE][key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}
