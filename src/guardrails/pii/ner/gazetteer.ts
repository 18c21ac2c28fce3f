// Small closed word lists: countries and large regions, street-type words and honorifics, which the tagger
// uses as features (never as the only evidence), and the street types the rules after it rely on. Lowercase.

export const COUNTRIES = new Set(
  `afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahamas bahrain bangladesh
barbados belarus belgium belize benin bhutan bolivia bosnia botswana brazil brunei bulgaria burkina burundi cambodia
cameroon canada chad chile china colombia comoros congo croatia cuba cyprus czechia denmark djibouti dominica
ecuador egypt eritrea estonia eswatini ethiopia fiji finland france gabon gambia georgia germany ghana greece grenada
guatemala guinea guyana haiti honduras hungary iceland india indonesia iran iraq ireland israel italy jamaica japan
jordan kazakhstan kenya kiribati korea kosovo kuwait kyrgyzstan laos latvia lebanon lesotho liberia libya liechtenstein
lithuania luxembourg madagascar malawi malaysia maldives mali malta mauritania mauritius mexico micronesia moldova monaco
mongolia montenegro morocco mozambique myanmar namibia nauru nepal netherlands nicaragua niger nigeria norway oman
pakistan palau palestine panama paraguay peru philippines poland portugal qatar romania russia rwanda samoa senegal
serbia seychelles singapore slovakia slovenia somalia spain sudan suriname sweden switzerland syria taiwan tajikistan
tanzania thailand togo tonga trinidad tunisia turkey turkmenistan tuvalu uganda ukraine uruguay uzbekistan vanuatu vatican
venezuela vietnam yemen zambia zimbabwe greenland scotland wales england britain holland usa uk america europe asia africa
bavaria catalonia quebec ontario california texas florida york alaska hawaii`.split(/\s+/),
)

export const STREET_WORDS = new Set(
  `street st road rd avenue ave boulevard blvd lane ln drive dr court ct way place pl terrace square sq highway hwy parkway
pkwy crescent close circle cir trail alley plaza row hill gardens mews walk bridge port park grove view ridge loop pike
apt apartment suite ste unit floor box po pmb psc fpo apo dpo rue via calle avenida rua strasse straße gasse weg platz
allee vej gade gatan gata vägen tie katu utca ulica ul straat laan plein chaussée chemin corso viale piazza carrera`.split(/\s+/),
)

/** Street-type words that are not also common family names or titles (unlike "Hill", "Park", "Dr"). */
export const STREET_TYPES = new Set(
  `street st road rd avenue ave boulevard blvd lane ln drive terrace highway hwy parkway pkwy crescent alley plaza strasse straße gasse weg
vej gade gatan gata vägen utca ulica ul straat laan rue via calle avenida rua loop`.split(/\s+/),
)

export const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'madam', 'herr', 'frau', 'mme', 'mlle', 'sr', 'sra', 'dear'])
