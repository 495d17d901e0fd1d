use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256", payment_method = "balance")]
struct Order {
    emails: Vec<String>,
    #[order(param = "order_validity.years")]
    years: u8,
    #[order(param = "credit_card.number")]
    card_number: String,
    #[order(param = "credit_card.expiration_month")]
    month: u8,
    #[order(param = "credit_card.expiration_year")]
    year: u16,
    #[order(param = "credit_card.cvv")]
    cvv: u16,
    cardholder_name: String,
    #[order(param = "billing_address.address")]
    street: String,
    #[order(param = "billing_address.city")]
    city: String,
    #[order(param = "billing_address.country")]
    country: String,
}

fn main() {}
