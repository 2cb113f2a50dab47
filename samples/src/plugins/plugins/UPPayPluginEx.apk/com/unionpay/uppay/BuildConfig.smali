.class public final Lcom/unionpay/uppay/BuildConfig;
.super Ljava/lang/Object;

.field public static final APPLICATION_ID:Ljava/lang/String; = "com.unionpay.uppay"
.field public static final VERSION_NAME:Ljava/lang/String; = "3.4.8"
