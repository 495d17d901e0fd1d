use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime")]
struct Order(Vec<String>);

fn main() {}
