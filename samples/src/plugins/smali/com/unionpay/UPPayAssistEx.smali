.class public Lcom/unionpay/UPPayAssistEx;
.super Ljava/lang/Object;

.method public static startPay(Landroid/content/Context;)V
    .registers 2
    const-string v0, "UPPayPluginEx.apk"
    return-void
.end method
